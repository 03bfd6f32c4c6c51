/// GPT-2's reversible map from bytes to printable characters (`bytes_to_unicode` in GPT-2's
/// encoder.py, llama.cpp `unicode_byte_to_utf8_map`): the printable Latin-1 bytes `!`…`~`,
/// `¡`…`¬`, `®`…`ÿ` stand for themselves, the other 68 bytes for U+0100 onwards, in order.
/// Byte-level BPE vocabularies spell their tokens in these characters (a space is `Ġ`).
enum ByteLevelAlphabet {
    /// Shape: [256] the scalar that stands for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar stands for, or nil when it is not in the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 256 {
            return scalarForByte[Int(v)] == v ? UInt8(v) : nil
        }
        guard v < 256 + 68 else { return nil }
        return byteForHighScalar[Int(v - 256)]
    }

    private static let byteForHighScalar: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 68)
        for b in 0..<256 where scalarForByte[b] >= 256 { table[Int(scalarForByte[b] - 256)] = UInt8(b) }
        return table
    }()

    /// Shape: [256] `scalarForByte` as scalars (all below U+0144, so always valid).
    static let characterForByte: [Unicode.Scalar] = scalarForByte.map { Unicode.Scalar($0) ?? "?" }

    /// The token spelling of one byte.
    static func string(for byte: UInt8) -> String { String(characterForByte[Int(byte)]) }

    /// The bytes a token spelled in the alphabet stands for; scalars outside the alphabet keep
    /// their own UTF-8 (llama.cpp would print an `[UNK_BYTE…]` marker instead).
    static func bytes(of token: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            if let b = byte(for: scalar) {
                out.append(b)
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }
}
