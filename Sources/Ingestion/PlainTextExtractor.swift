/// Plain text and Markdown: decoded, normalised, and titled by a Markdown heading on top.
public struct PlainTextExtractor: TextExtractor {
    public init() {}

    public func extract(_ input: ExtractionInput) throws(IngestionError) -> Extraction {
        let decoded = TextDecoder.decode(input.bytes, declared: input.declaredCharset)
        let raw = String(decoding: decoded.utf8, as: UTF8.self)
        let text = TextNormalizer.normalize(raw)
        return Extraction(
            title: Self.title(of: raw), text: text, encoding: decoded.encoding, mediaType: input.mediaType)
    }

    /// A Markdown heading at the top: `# Title`, or a line underlined with `===`/`---`.
    static func title(of text: String) -> String? {
        var lines = text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        )
        .prefix(8).map { String($0).trimmingASCIIWhitespace() }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let first = lines.first else { return nil }
        if first.hasPrefix("# ") {
            let heading = String(first.dropFirst(2)).trimmingASCIIWhitespace()
            return heading.isEmpty ? nil : heading
        }
        if lines.count >= 2, first.count <= 200, lines[1].count >= 3,
            lines[1].allSatisfy({ $0 == "=" }) || lines[1].allSatisfy({ $0 == "-" })
        {
            return first
        }
        return nil
    }
}
