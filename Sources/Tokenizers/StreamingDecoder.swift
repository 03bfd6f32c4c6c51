/// Decodes ids one at a time into text that never ends in half a character: the bytes of a
/// UTF-8 sequence split across tokens (byte-fallback tokens, byte-level pieces of an emoji) are
/// held until the sequence is complete.
public struct StreamingDecoder: Sendable {
    public let tokenizer: any Tokenizer
    public let skipSpecial: Bool
    /// Drop one leading space from the first piece (whole-sequence decoding of SentencePiece).
    let removeLeadingSpace: Bool
    /// Bytes of an incomplete UTF-8 sequence (at most 3).
    private var pending: [UInt8] = []
    private var atStart = true

    public init(tokenizer: any Tokenizer, skipSpecial: Bool = true) {
        self.init(tokenizer: tokenizer, skipSpecial: skipSpecial, removeLeadingSpace: false)
    }

    init(tokenizer: any Tokenizer, skipSpecial: Bool, removeLeadingSpace: Bool) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
        self.removeLeadingSpace = removeLeadingSpace && tokenizer.removesLeadingSpace
    }

    /// Adds one token; returns the text it completes (possibly empty).
    public mutating func push(_ id: Int) -> String {
        guard tokenizer.vocabulary.tokens.indices.contains(id) else { return "" }
        let type = tokenizer.vocabulary.types[id]
        if skipSpecial && type.isSpecial { return "" }
        var piece = tokenizer.pieceBytes(id)
        if atStart, !piece.isEmpty {
            atStart = false
            if removeLeadingSpace, type == .normal, piece.first == 0x20 { piece = piece.dropFirst() }
        }
        pending.append(contentsOf: piece)
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Ends the stream: bytes of an unfinished character come out as U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes of an unfinished character are waiting.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// The length of `bytes` without a trailing incomplete (but so far valid) UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back over at most three continuation bytes for the lead byte of the last sequence.
        var i = n - 1
        var continuation = 0
        while i >= 0, continuation < 3, bytes[i] & 0xC0 == 0x80 {
            i -= 1
            continuation += 1
        }
        guard i >= 0 else { return n }
        let lead = bytes[i]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return n  // ASCII or an invalid byte: nothing to wait for
        }
        return continuation + 1 < needed ? i : n
    }
}
