/// Decides a document's media type from its `Content-Type`, its name and its first bytes.
///
/// Trust, highest first:
/// 1. unmistakable magic numbers (gzip, PDF, images, archives): a `.html` file holding gzip bytes
///    is gzip, whatever its name or label;
/// 2. a specific `Content-Type` (`application/octet-stream` says nothing; `text/plain` is weak:
///    raw-file hosts send it for everything, so a markup extension or markup bytes beat it);
/// 3. the file name extension;
/// 4. sniffing (`<!DOCTYPE html`, `<html`, `<?xml`, feed roots), else plain text.
/// Inside the XML family the bytes refine the label: HTML bytes under an XML label are read as
/// HTML, and a generic XML label over an Atom/RSS/XHTML root takes the specific type.
public enum MediaTypeResolver {
    public struct Decision: Equatable, Sendable {
        public var mediaType: MediaType
        /// The `charset` parameter of the `Content-Type`, if any.
        public var charset: String?
    }

    public static func resolve(contentType: String?, name: String?, bytes: [UInt8], source: String)
        throws(IngestionError) -> Decision
    {
        let header = contentType.map(ContentType.init)
        let charset = header?.charset
        let sniffed = ContentSniffer.sniff(bytes)
        switch sniffed {
        case .gzip: return Decision(mediaType: .gzip, charset: nil)
        case .pdf: return Decision(mediaType: .pdf, charset: nil)
        case .binary(let what):
            throw IngestionError(
                source: source, .unsupportedMediaType("\(header?.mime ?? "unlabelled") (bytes are \(what))"))
        default: break
        }
        let fromExtension = name.flatMap(fileExtension).flatMap(MediaType.fromExtension)

        if let header {
            switch MediaType.fromMIME(header.mime) {
            case .known(let declared): return Decision(mediaType: refine(declared, sniffed: sniffed), charset: charset)
            case .weakPlainText:
                if let fromExtension, fromExtension != .plainText {
                    return Decision(mediaType: refine(fromExtension, sniffed: sniffed), charset: charset)
                }
                return Decision(mediaType: sniffedType(sniffed), charset: charset)
            case .unsupported: throw IngestionError(source: source, .unsupportedMediaType(header.mime))
            case .uninformative: break
            }
        }
        if let fromExtension { return Decision(mediaType: refine(fromExtension, sniffed: sniffed), charset: charset) }
        return Decision(mediaType: sniffedType(sniffed), charset: charset)
    }

    /// A label checked against the bytes (see the type's documentation).
    static func refine(_ declared: MediaType, sniffed: SniffedContent) -> MediaType {
        switch (declared, sniffed) {
        case (.xml, .html), (.xhtml, .html), (.atom, .html), (.rss, .html): return .html
        case (.xml, .xml(let kind)): return kind
        // A gzip label on bytes that are not gzip (already decoded by HTTP): type the bytes.
        case (.gzip, _): return sniffedType(sniffed)
        default: return declared
        }
    }

    static func sniffedType(_ sniffed: SniffedContent) -> MediaType {
        switch sniffed {
        case .html, .htmlFragment: return .html
        case .xml(let kind): return kind
        case .gzip: return .gzip
        case .pdf: return .pdf
        default: return .plainText
        }
    }

    /// The lowercased extension of a path or URL path (query and fragment ignored).
    static func fileExtension(_ name: String) -> String? {
        var path = Substring(name)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }), name.contains("://") { path = path[..<cut] }
        let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? path
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        let ext = last[last.index(after: dot)...].lowercased()
        return ext.isEmpty ? nil : ext
    }

    /// The name with a compression extension removed (`a.html.gz` → `a.html`), for typing the
    /// decompressed bytes.
    static func strippingCompressionExtension(_ name: String) -> String {
        for ext in [".gz", ".gzip", ".svgz"] where name.lowercased().hasSuffix(ext) {
            let stem = String(name.dropLast(ext.count))
            return ext == ".svgz" ? stem + ".svg" : stem
        }
        return name
    }
}
