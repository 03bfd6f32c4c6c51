/// The kinds of content ingestion recognises. The raw value is the MIME type written to records.
public enum MediaType: String, Sendable, Hashable, CaseIterable {
    case plainText = "text/plain"
    case markdown = "text/markdown"
    case html = "text/html"
    case xhtml = "application/xhtml+xml"
    case xml = "application/xml"
    case atom = "application/atom+xml"
    case rss = "application/rss+xml"
    /// Compressed bytes: decompressed, then typed again.
    case gzip = "application/gzip"
    /// Recognised so it can be refused with a clear message.
    case pdf = "application/pdf"

    /// Whether the XML parser reads it (HTML goes to the HTML parser).
    public var isXML: Bool { self == .xhtml || self == .xml || self == .atom || self == .rss }

    /// Whether text can be extracted from it.
    public var isExtractable: Bool { self != .gzip && self != .pdf }

    /// The type a `Content-Type` MIME type names; nil for types that carry no information
    /// (`application/octet-stream`, empty) so the next clue decides. Throws nothing: an unknown
    /// but specific type (`image/png`) is returned through `unsupported`.
    static func fromMIME(_ mime: String) -> MIMEClassification {
        switch mime {
        case "", "application/octet-stream", "application/unknown", "application/x-unknown", "binary/octet-stream":
            return .uninformative
        case "text/html", "application/html": return .known(.html)
        case "application/xhtml+xml": return .known(.xhtml)
        case "application/atom+xml": return .known(.atom)
        case "application/rss+xml", "application/rdf+xml": return .known(.rss)
        case "application/xml", "text/xml": return .known(.xml)
        case "text/markdown", "text/x-markdown": return .known(.markdown)
        case "application/gzip", "application/x-gzip": return .known(.gzip)
        case "application/pdf": return .known(.pdf)
        case "text/plain": return .weakPlainText
        case "application/json", "application/x-ndjson", "application/jsonl", "application/javascript":
            return .known(.plainText)
        default:
            if mime.hasSuffix("+xml") { return .known(.xml) }
            if mime.hasPrefix("text/") { return .known(.plainText) }
            return .unsupported
        }
    }

    /// The type a file name extension suggests (lowercased, without the dot); nil when unknown.
    static func fromExtension(_ ext: String) -> MediaType? {
        switch ext {
        case "txt", "text", "log", "rst", "adoc", "asciidoc", "csv", "tsv", "json", "jsonl", "ndjson", "tex", "org",
            "me", "1", "2", "3", "4", "5", "6", "7", "8":
            return .plainText
        case "md", "markdown", "mdown", "mkd": return .markdown
        case "html", "htm", "shtml", "xhtm": return .html
        case "xhtml", "xht": return .xhtml
        case "xml", "docbook", "dbk", "page", "xsd", "svg", "tei", "opf", "ncx": return .xml
        case "atom": return .atom
        case "rss", "rdf": return .rss
        case "gz", "gzip", "tgz", "svgz": return .gzip
        case "pdf": return .pdf
        default: return nil
        }
    }
}

/// How much a `Content-Type` tells.
enum MIMEClassification: Equatable {
    case known(MediaType)
    /// `text/plain`: servers send it for anything they cannot name (raw file hosting), so markup
    /// bytes or a markup extension override it.
    case weakPlainText
    /// `application/octet-stream` and friends.
    case uninformative
    /// A specific type we cannot extract text from (`image/png`, `application/zip`).
    case unsupported
}
