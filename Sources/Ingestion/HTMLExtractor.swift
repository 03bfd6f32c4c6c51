/// HTML through libxml2's error-recovering HTML parser.
///
/// The charset comes from a BOM, then the `Content-Type` header, then `<meta>` in the first
/// kilobyte; `TextDecoder` overrides a label the bytes contradict. The decoded UTF-8 is what
/// libxml2 parses, with the document's own declaration ignored.
public struct HTMLExtractor: TextExtractor {
    public init() {}

    public func extract(_ input: ExtractionInput) throws(IngestionError) -> Extraction {
        let charset = input.declaredCharset ?? CharsetDeclaration.html(input.bytes)
        let decoded = TextDecoder.decode(input.bytes, declared: charset)
        let (title, text) = try Self.extractText(utf8: decoded.utf8, source: input.source)
        return Extraction(title: title, text: text, encoding: decoded.encoding, mediaType: .html)
    }

    /// Title and main-content text of UTF-8 HTML (also used for HTML inside feeds).
    static func extractText(utf8: [UInt8], source: String) throws(IngestionError) -> (String?, String) {
        guard utf8.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { return (nil, "") }
        let document = try LibXML.parseHTML(utf8, source: source)
        guard let root = document.root else { return (nil, "") }
        return withExtendedLifetime(document) { HTMLContentWalker(root: root).extract() }
    }
}
