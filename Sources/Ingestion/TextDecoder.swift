#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes in some character encoding → UTF-8 bytes, never failing.
///
/// Order of trust: a byte-order mark, then the declared charset (HTTP header, `<meta charset>`,
/// `<?xml encoding>`), then the bytes themselves. UTF-8, Latin-1 and Windows-1252 labels are
/// checked against the bytes: valid UTF-8 with multi-byte sequences is UTF-8 whatever the label
/// says, and each byte that is not part of a valid UTF-8 sequence is read as Windows-1252
/// (WHATWG Encoding: "iso-8859-1" and "us-ascii" are labels of windows-1252). NUL bytes are
/// dropped, and in text that is otherwise UTF-8 a sequence cut off at the very end is discarded
/// (a lone `é` at the end of Latin-1 text stays an `é`).
enum TextDecoder {
    enum Encoding: Equatable {
        case utf8
        case utf16LittleEndian
        case utf16BigEndian
        case windows1252
        /// Any other label, converted with iconv.
        case other(String)

        var name: String {
            switch self {
            case .utf8: return "UTF-8"
            case .utf16LittleEndian: return "UTF-16LE"
            case .utf16BigEndian: return "UTF-16BE"
            case .windows1252: return "windows-1252"
            case .other(let label): return label
            }
        }

        /// WHATWG Encoding labels for the encodings decoded here without iconv.
        init(label: String) {
            let l = label.trimmingASCIIWhitespace().lowercased()
            switch l {
            case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8":
                self = .utf8
            case "utf-16", "utf-16le", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff":
                self = .utf16LittleEndian
            case "utf-16be", "unicodefffe": self = .utf16BigEndian
            case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso88591", "latin1", "l1", "cp819", "ibm819", "csisolatin1",
                "iso-ir-100", "iso_8859-1:1987", "windows-1252", "cp1252", "x-cp1252", "us-ascii", "ascii",
                "ansi_x3.4-1968",
                "iso646-us", "us":
                self = .windows1252
            default: self = .other(l)
            }
        }
    }

    struct Decoded {
        /// Valid UTF-8 without a BOM or NUL bytes.
        var utf8: [UInt8]
        /// What the bytes were read as (`"UTF-8"`, `"windows-1252"`, `"UTF-8+windows-1252"` when mixed).
        var encoding: String
    }

    static func bom(of bytes: [UInt8]) -> Encoding? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8 }
        if bytes.starts(with: [0xFF, 0xFE]) { return .utf16LittleEndian }
        if bytes.starts(with: [0xFE, 0xFF]) { return .utf16BigEndian }
        return nil
    }

    /// UTF-16 without a BOM: most odd (LE) or even (BE) bytes are zero among the first 512 bytes,
    /// as ASCII-heavy text in UTF-16 looks. A text file with a few stray NULs does not qualify.
    static func looksLikeUTF16(_ bytes: [UInt8]) -> Encoding? {
        let n = min(bytes.count, 512) & ~1
        guard n >= 4 else { return nil }
        var zeroEven = 0
        var zeroOdd = 0
        for i in stride(from: 0, to: n, by: 2) {
            if bytes[i] == 0 { zeroEven += 1 }
            if bytes[i + 1] == 0 { zeroOdd += 1 }
        }
        let pairs = n / 2
        if zeroOdd * 10 >= pairs * 8, zeroEven * 10 <= pairs { return .utf16LittleEndian }
        if zeroEven * 10 >= pairs * 8, zeroOdd * 10 <= pairs { return .utf16BigEndian }
        return nil
    }

    static func decode(_ bytes: [UInt8], declared: String?) -> Decoded {
        if let bom = bom(of: bytes) {
            switch bom {
            case .utf8: return decodeUTF8WithFallback(bytes[3...])
            case .utf16LittleEndian, .utf16BigEndian: return decodeUTF16(bytes[2...], bigEndian: bom == .utf16BigEndian)
            default: break
            }
        }
        let label = declared.map(Encoding.init(label:))
        switch label {
        case .utf16LittleEndian?, .utf16BigEndian?:
            return decodeUTF16(bytes[...], bigEndian: label == .utf16BigEndian)
        case .other(let name)?:
            // A legacy label contradicted by bytes that are valid multi-byte UTF-8: trust the bytes.
            if isValidMultibyteUTF8(bytes) { return Decoded(utf8: removingNUL(bytes), encoding: "UTF-8") }
            if let converted = iconvToUTF8(bytes, from: name) {
                return Decoded(utf8: removingNUL(converted), encoding: name)
            }
        default: break
        }
        if let utf16 = looksLikeUTF16(bytes) { return decodeUTF16(bytes[...], bigEndian: utf16 == .utf16BigEndian) }
        return decodeUTF8WithFallback(bytes[...])
    }

    /// Valid UTF-8 containing at least one multi-byte sequence.
    static func isValidMultibyteUTF8(_ bytes: [UInt8]) -> Bool {
        guard bytes.contains(where: { $0 >= 0x80 }) else { return false }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// UTF-8 where valid; each other byte read as its Windows-1252 character.
    static func decodeUTF8WithFallback(_ bytes: ArraySlice<UInt8>) -> Decoded {
        if String(validating: bytes, as: UTF8.self) != nil {
            return Decoded(utf8: removingNUL(bytes), encoding: "UTF-8")
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        var validMultibyte = 0
        var fallbacks = 0
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let b = bytes[i]
            if b < 0x80 {
                if b != 0 { out.append(b) }
                i += 1
                continue
            }
            let length = validSequenceLength(bytes, at: i)
            if length > 0 {
                out.append(contentsOf: bytes[i..<(i + length)])
                validMultibyte += 1
                i += length
            } else if validMultibyte > 0, fallbacks == 0, isTruncatedSequence(bytes, at: i) {
                break  // UTF-8 text cut off mid-character at the end of the input
            } else {
                Windows1252.appendUTF8(of: b, to: &out)
                fallbacks += 1
                i += 1
            }
        }
        let encoding: String
        switch (validMultibyte > 0, fallbacks > 0) {
        case (true, true): encoding = "UTF-8+windows-1252"
        case (false, true): encoding = "windows-1252"
        default: encoding = "UTF-8"
        }
        return Decoded(utf8: out, encoding: encoding)
    }

    /// Length of the well-formed UTF-8 sequence at `i` (Unicode 15, table 3-7), or 0.
    private static func validSequenceLength(_ bytes: ArraySlice<UInt8>, at i: Int) -> Int {
        let b0 = bytes[i]
        let end = bytes.endIndex
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < end && bytes[i + k] >= lo && bytes[i + k] <= hi
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0, 0xBF) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90, 0xBF) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }

    /// A lead byte whose continuation bytes run past the end of the input (all present ones valid).
    private static func isTruncatedSequence(_ bytes: ArraySlice<UInt8>, at i: Int) -> Bool {
        let b0 = bytes[i]
        let needed: Int
        switch b0 {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return false
        }
        let available = bytes.endIndex - i
        guard available < needed else { return false }
        return bytes[(i + 1)...].allSatisfy { $0 >= 0x80 && $0 <= 0xBF }
    }

    private static func decodeUTF16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> Decoded {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            let a = UInt16(bytes[i])
            let b = UInt16(bytes[i + 1])
            let unit = bigEndian ? (a << 8 | b) : (b << 8 | a)
            if unit != 0 { units.append(unit) }
            i += 2
        }
        // Lone surrogates become U+FFFD.
        let text = String(decoding: units, as: UTF16.self)
        return Decoded(utf8: Array(text.utf8), encoding: bigEndian ? "UTF-16BE" : "UTF-16LE")
    }

    private static func removingNUL<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
        bytes.contains(0) ? bytes.filter { $0 != 0 } : Array(bytes)
    }

    /// Converts with the C library's iconv; nil if the charset is unknown or the bytes are invalid
    /// in it (the caller then falls back to UTF-8/Windows-1252).
    static func iconvToUTF8(_ bytes: [UInt8], from charset: String) -> [UInt8]? {
        let cd = iconv_open("UTF-8", charset)
        guard let cd, cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                if iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) == -1 { return nil }
                return outBuf.count - outLeft
            }
        }
        guard let produced else { return nil }
        return Array(output[0..<produced])
    }
}
