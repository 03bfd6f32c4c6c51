/// Turns text into a model's token ids and back.
///
/// A tokenizer is a chain of small stages: special tokens are found first
/// (`SpecialTokenMatcher`), the remaining text is split into pieces (a `PreTokenizer` sequence for
/// byte-level BPE; whitespace escaping for SentencePiece), and each piece is merged into tokens
/// by the model. Load one from a GGUF file with `AutoTokenizer.load(from:)`.
public protocol Tokenizer: Sendable {
    /// The vocabulary, token types and special-token ids from the model file.
    var vocabulary: Vocabulary { get }

    /// Token ids for `text`.
    /// - Parameters:
    ///   - addSpecial: add BOS/EOS where the model asks for them (`add_bos_token`, `add_eos_token`).
    ///   - special: where special-token text such as `<|im_start|>` becomes its token; elsewhere
    ///     only user-defined tokens are matched and control-token text is ordinary text.
    func encode(_ text: String, addSpecial: Bool, special: SpecialTokenParsing) -> [Int]

    /// The bytes token `id` stands for in decoded text; empty for ids outside the vocabulary.
    func pieceBytes(_ id: Int) -> ArraySlice<UInt8>

    /// True when encoding puts a space in front of the text (SentencePiece's dummy prefix), so that
    /// decoding a whole sequence drops it again.
    var removesLeadingSpace: Bool { get }
}

/// Where an encoding turns special-token text into special tokens.
public enum SpecialTokenParsing: Sendable, Equatable {
    /// Nowhere: control-token text is ordinary text.
    case none
    /// Everywhere.
    case all
    /// Everywhere but inside these UTF-8 byte ranges (text that came from inputs, spliced into a
    /// template): a token must lie wholly outside them.
    case outside([Range<Int>])
}

extension Tokenizer {
    /// Token ids for `text`, special-token text parsed everywhere or nowhere.
    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        encode(text, addSpecial: addSpecial, special: parseSpecial ? .all : .none)
    }

    /// Token ids for `text`, adding BOS/EOS as the model asks and matching special-token text.
    public func encode(_ text: String) -> [Int] { encode(text, addSpecial: true, parseSpecial: true) }

    /// Token ids for `text`, matching special-token text.
    public func encode(_ text: String, addSpecial: Bool) -> [Int] {
        encode(text, addSpecial: addSpecial, parseSpecial: true)
    }

    /// The text of `ids`. Ids outside the vocabulary (a model's padding rows) are ignored;
    /// bytes that do not form valid UTF-8 become U+FFFD.
    /// - Parameter skipSpecial: leave control and unknown tokens (BOS, `<|im_end|>`) out.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var decoder = StreamingDecoder(tokenizer: self, skipSpecial: skipSpecial, removeLeadingSpace: true)
        var text = ""
        for id in ids { text += decoder.push(id) }
        return text + decoder.finish()
    }

    /// A decoder that takes ids one at a time and returns text only in whole characters.
    public func makeStreamingDecoder(skipSpecial: Bool = true) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, skipSpecial: skipSpecial, removeLeadingSpace: false)
    }

    public var vocabularySize: Int { vocabulary.count }
    public var bosID: Int? { vocabulary.bosID }
    public var eosID: Int? { vocabulary.eosID }
    public var unknownID: Int? { vocabulary.unknownID }
    /// Ids that end generation: EOS, EOT and the end-of-turn control tokens of chat formats.
    public var endOfTurnIDs: Set<Int> { vocabulary.endOfTurnIDs }

    /// Whether `id` is a control or unknown token (left out by `decode(_:skipSpecial: true)`).
    public func isSpecial(_ id: Int) -> Bool { vocabulary.type(of: id).isSpecial }

    /// The token text as stored in the model file (`Ġthe`, `▁the`, `<|im_end|>`).
    public func tokenText(_ id: Int) -> String? { vocabulary.text(for: id) }
}

/// The decoded bytes of every token, stored flat.
struct TokenPieces: Sendable {
    /// Shape: [total] the bytes of all pieces, in id order.
    private let bytes: [UInt8]
    /// Shape: [count + 1] where each piece starts in `bytes`.
    private let offsets: [Int]

    init(count: Int, piece: (Int) -> [UInt8]) {
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(count + 1)
        for id in 0..<count {
            bytes.append(contentsOf: piece(id))
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    subscript(id: Int) -> ArraySlice<UInt8> {
        guard id >= 0, id + 1 < offsets.count else { return [] }
        return bytes[offsets[id]..<offsets[id + 1]]
    }
}
