/// What the first bytes of a document say it is, whatever its name or label claims.
///
/// Patterns follow the WHATWG MIME Sniffing standard (§7.1 "identifying a resource with an
/// unknown MIME type"): magic numbers for binary formats, then the HTML tags it lists, then
/// `<?xml`; and its binary-data rule (control bytes other than whitespace and ESC).
enum SniffedContent: Equatable {
    case empty
    case gzip
    case pdf
    /// A binary format, named (`"PNG image"`, `"zip archive"`, `"binary data"`).
    case binary(String)
    /// A document that starts as HTML does: `<!DOCTYPE html`, `<html`, `<head`, `<body`.
    case html
    /// Starts with a tag HTML also has (`<p`, `<a`, `<div`...): HTML unless a label says XML.
    case htmlFragment
    /// XML, refined by its root element: `.atom`, `.rss`, `.xhtml` or `.xml`.
    case xml(MediaType)
    case text

    /// Whether the bytes look like markup at all (for overriding a weak `text/plain` label).
    var isMarkup: Bool {
        switch self {
        case .html, .htmlFragment, .xml: return true
        default: return false
        }
    }
}

enum ContentSniffer {
    /// How many bytes are examined.
    static let window = 1024

    static func sniff(_ bytes: [UInt8]) -> SniffedContent {
        if bytes.isEmpty { return .empty }
        let head = Array(bytes.prefix(window))
        if head.starts(with: [0x1F, 0x8B]) { return .gzip }
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        for (magic, name) in magicNumbers where head.starts(with: magic) { return .binary(name) }

        let text = asciiPrefix(head)
        if let markup = markupKind(text) { return markup }
        if TextDecoder.bom(of: head) == nil, TextDecoder.looksLikeUTF16(head) == nil, isBinary(head) {
            return .binary("binary data")
        }
        return .text
    }

    private static let magicNumbers: [([UInt8], String)] = [
        ([0x50, 0x4B, 0x03, 0x04], "zip archive"),
        ([0x89, 0x50, 0x4E, 0x47], "PNG image"),
        ([0xFF, 0xD8, 0xFF], "JPEG image"),
        (Array("GIF8".utf8), "GIF image"),
        ([0x42, 0x5A, 0x68], "bzip2 archive"),
        ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz archive"),
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd archive"),
        ([0x7F, 0x45, 0x4C, 0x46], "ELF executable"),
        ([0xD0, 0xCF, 0x11, 0xE0], "OLE2 (old Microsoft Office) file"),
        (Array("GGUF".utf8), "GGUF model file"),
    ]

    /// The first bytes as lowercased ASCII, with a BOM or UTF-16 interleaving undone, so the
    /// tag patterns below see `<html` whatever the encoding.
    static func asciiPrefix(_ head: [UInt8]) -> [UInt8] {
        var start = 0
        var step = 1
        var offset = 0
        switch TextDecoder.bom(of: head) {
        case .utf8?: start = 3
        case .utf16LittleEndian?: (start, step, offset) = (2, 2, 0)
        case .utf16BigEndian?: (start, step, offset) = (2, 2, 1)
        default:
            switch TextDecoder.looksLikeUTF16(head) {
            case .utf16LittleEndian?: (step, offset) = (2, 0)
            case .utf16BigEndian?: (step, offset) = (2, 1)
            default: break
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(head.count)
        var i = start + offset
        while i < head.count {
            let b = head[i]
            out.append(b >= 0x41 && b <= 0x5A ? b + 0x20 : b)
            i += step
        }
        return out
    }

    /// WHATWG's HTML patterns (a tag name followed by space or `>`), then XML by prolog or root.
    private static func markupKind(_ text: [UInt8]) -> SniffedContent? {
        var i = 0
        while i < text.count, isWhitespace(text[i]) { i += 1 }
        let rest = text[i...]
        if rest.starts(with: Array("<?xml".utf8)) {
            return .xml(xmlRootKind(text))
        }
        if rest.starts(with: Array("<!doctype html".utf8)) { return .html }
        if rest.starts(with: Array("<!--".utf8)) {
            // A comment first: decide by what follows anywhere in the window.
            if contains(text, "<html") || contains(text, "<body") || contains(text, "<head") { return .html }
            return nil
        }
        for tag in htmlTags {
            let pattern = Array(("<" + tag).utf8)
            if rest.starts(with: pattern) {
                let next = rest.dropFirst(pattern.count).first
                if next == nil || next == 0x20 || next == 0x3E || next == 0x09 || next == 0x0A || next == 0x0D {
                    return ["html", "head", "body"].contains(tag) ? .html : .htmlFragment
                }
            }
        }
        for (root, kind) in [("<rss", MediaType.rss), ("<feed", .atom), ("<rdf:rdf", .rss)]
        where rest.starts(with: Array(root.utf8)) {
            return .xml(kind)
        }
        return nil
    }

    private static let htmlTags = [
        "html", "head", "script", "iframe", "h1", "div", "font", "table", "a", "style", "title", "b", "body", "br", "p",
    ]

    /// The root element after an XML prolog: feeds and XHTML get their own types.
    private static func xmlRootKind(_ text: [UInt8]) -> MediaType {
        var i = 0
        while i < text.count {
            guard let lt = text[i...].firstIndex(of: 0x3C) else { break }
            let next = lt + 1 < text.count ? text[lt + 1] : 0
            if next == 0x3F || next == 0x21 {  // <? or <!: prolog, comment, doctype
                if text[lt...].starts(with: Array("<!doctype html".utf8)) { return .xhtml }
                i = lt + 1
                continue
            }
            let nameStart = lt + 1
            var nameEnd = nameStart
            while nameEnd < text.count, !isWhitespace(text[nameEnd]), text[nameEnd] != 0x3E, text[nameEnd] != 0x2F {
                nameEnd += 1
            }
            let name = String(decoding: text[nameStart..<nameEnd], as: UTF8.self)
            switch name {
            case "rss", "rdf:rdf": return .rss
            case "feed": return .atom
            case "html": return .xhtml
            default: return .xml
            }
        }
        return .xml
    }

    /// WHATWG "binary data bytes": 0x00–0x08, 0x0B, 0x0E–0x1A, 0x1C–0x1F. Stray NULs in a text
    /// file are tolerated (they are stripped later), so NUL counts only when it is over 30% of
    /// the bytes; the other control bytes mean binary past 5% (random data has about 10%).
    private static func isBinary(_ head: [UInt8]) -> Bool {
        var nul = 0
        var control = 0
        for b in head where b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1A) || (b >= 0x1C && b <= 0x1F) {
            if b == 0 { nul += 1 } else { control += 1 }
        }
        return control * 20 > head.count || (nul + control) * 10 > head.count * 3
    }

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C
    }

    private static func contains(_ text: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard n.count <= text.count else { return false }
        for i in 0...(text.count - n.count) where text[i] == n[0] && text[i..<(i + n.count)].elementsEqual(n) {
            return true
        }
        return false
    }
}
