/// The Unicode properties the pre-tokenizer regexes ask about, one byte per scalar.
///
/// `\p{L}` is general category L*, `\p{N}` is N*, `\s` is the White_Space property and `\p{P}`
/// is P* — the same sets llama.cpp's `unicode_cpt_flags` and Oniguruma use.
struct CharacterClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = CharacterClass(rawValue: 1 << 0)
    static let number = CharacterClass(rawValue: 1 << 1)
    static let whitespace = CharacterClass(rawValue: 1 << 2)
    static let punctuation = CharacterClass(rawValue: 1 << 3)
    /// Position outside the piece being split (the regex engines' "end of input").
    static let outside = CharacterClass(rawValue: 1 << 7)

    /// The class of `scalar`; ASCII from a table, the rest from the Unicode database.
    @inline(__always)
    static func of(_ scalar: UInt32) -> CharacterClass {
        if scalar < 128 { return ascii[Int(scalar)] }
        return nonASCII(scalar)
    }

    private static let ascii: [CharacterClass] = (0..<128).map { nonASCII(UInt32($0)) }

    private static func nonASCII(_ value: UInt32) -> CharacterClass {
        guard let scalar = Unicode.Scalar(value) else { return [] }
        let props = scalar.properties
        var c: CharacterClass = props.isWhitespace ? .whitespace : []
        switch props.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            c.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            c.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            c.insert(.punctuation)
        default:
            break
        }
        return c
    }
}

/// One fragment of text as Unicode scalars with their classes and UTF-8 offsets, shared by the
/// stages of a pre-tokenizer so that each scalar is classified once.
struct ScalarText {
    /// Shape: [n] scalar values.
    var scalars: [UInt32] = []
    /// Shape: [n] classes of `scalars`.
    var classes: [CharacterClass] = []
    /// Shape: [n + 1] byte offset of each scalar in the fragment's UTF-8, then the fragment length.
    var byteOffsets: [Int] = []

    var count: Int { scalars.count }

    /// Decodes `bytes`, which must be valid UTF-8 (it comes from a Swift `String`).
    mutating func load(_ bytes: UnsafeBufferPointer<UInt8>) {
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        byteOffsets.removeAll(keepingCapacity: true)
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = UInt32(bytes[i])
            var value: UInt32
            var length: Int
            if b0 < 0x80 {
                value = b0
                length = 1
            } else if b0 < 0xE0 {
                value = b0 & 0x1F
                length = 2
            } else if b0 < 0xF0 {
                value = b0 & 0x0F
                length = 3
            } else {
                value = b0 & 0x07
                length = 4
            }
            length = min(length, n - i)
            for k in 1..<max(length, 1) { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
            scalars.append(value)
            classes.append(CharacterClass.of(value))
            byteOffsets.append(i)
            i += length
        }
        byteOffsets.append(n)
    }

    @inline(__always)
    func scalar(_ i: Int, in range: Range<Int>) -> UInt32 {
        range.contains(i) ? scalars[i] : UInt32.max
    }

    @inline(__always)
    func `class`(_ i: Int, in range: Range<Int>) -> CharacterClass {
        range.contains(i) ? classes[i] : .outside
    }
}
