/// Charsets that a document declares inside itself.
enum CharsetDeclaration {
    /// How far into the document to look (WHATWG HTML §13.2.3.2 prescans 1024 bytes).
    static let window = 1024

    /// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">` in the
    /// first kilobyte: a simplified form of WHATWG's "prescan a byte stream".
    static func html(_ bytes: [UInt8]) -> String? {
        let text = ContentSniffer.asciiPrefix(Array(bytes.prefix(window)))
        var searchFrom = 0
        while let meta = find(Array("<meta".utf8), in: text, from: searchFrom) {
            let tagEnd = text[meta...].firstIndex(of: 0x3E) ?? text.count
            if let value = value(after: Array("charset".utf8), in: text, from: meta, to: tagEnd) { return value }
            searchFrom = tagEnd
        }
        return nil
    }

    /// `encoding="…"` in an `<?xml …?>` declaration at the start.
    static func xml(_ bytes: [UInt8]) -> String? {
        let text = ContentSniffer.asciiPrefix(Array(bytes.prefix(200)))
        guard let start = find(Array("<?xml".utf8), in: text, from: 0), start < 8,
            let end = find(Array("?>".utf8), in: text, from: start)
        else { return nil }
        return value(after: Array("encoding".utf8), in: text, from: start, to: end)
    }

    private static func find(_ needle: [UInt8], in text: [UInt8], from start: Int) -> Int? {
        guard needle.count <= text.count, start <= text.count - needle.count else { return nil }
        var i = start
        while i <= text.count - needle.count {
            if text[i] == needle[0], text[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The value of `name = "value"` (quotes optional) between `from` and `to`.
    private static func value(after name: [UInt8], in text: [UInt8], from: Int, to: Int) -> String? {
        guard var i = find(name, in: text, from: from), i < to else { return nil }
        i += name.count
        while i < to, text[i] == 0x20 || text[i] == 0x09 { i += 1 }
        guard i < to, text[i] == 0x3D else { return nil }  // '='
        i += 1
        while i < to, text[i] == 0x20 || text[i] == 0x09 || text[i] == 0x22 || text[i] == 0x27 { i += 1 }
        var j = i
        while j < to, isCharsetByte(text[j]) { j += 1 }
        return j > i ? String(decoding: text[i..<j], as: UTF8.self) : nil
    }

    private static func isCharsetByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x3A
    }
}
