import GGUF

/// The token list of a model with each token's type and score, and the ids of its special tokens,
/// read from the `tokenizer.ggml.*` metadata of a GGUF file.
public struct Vocabulary: Sendable {
    /// Token texts as stored in the file (byte-level BPE: GPT-2 byte characters;
    /// SentencePiece: `▁` for spaces).
    public let tokens: [String]
    public let types: [TokenType]
    /// One score per token (SentencePiece merge priorities); empty when the file has none.
    public let scores: [Float]
    public let bosID: Int?
    public let eosID: Int?
    public let unknownID: Int?
    public let paddingID: Int?
    /// Ids that end a turn or a text: EOS, `tokenizer.ggml.eot_token_id`, and the control tokens
    /// llama.cpp recognises by their text (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, …).
    public let endOfTurnIDs: Set<Int>
    /// `tokenizer.ggml.add_bos_token` / `add_eos_token`, with the per-model defaults llama.cpp uses.
    public let addBOS: Bool
    public let addEOS: Bool

    private let idsByText: [String: Int]

    /// Where the vocabulary was read from, for error messages.
    public let source: String

    public var count: Int { tokens.count }

    /// The id of the token spelled exactly `text`.
    public func id(for text: String) -> Int? { idsByText[text] }

    /// The stored text of token `id`, or nil outside the vocabulary.
    public func text(for id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }

    /// Token type of `id` (`.undefined` outside the vocabulary).
    public func type(of id: Int) -> TokenType { types.indices.contains(id) ? types[id] : .undefined }

    /// Control-token texts that mark the end of a turn (llama.cpp `llama_vocab::load`, EOG detection).
    static let endOfTurnTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "<|eom_id|>", "<end_of_utterance>",
    ]

    /// Reads and checks the shared tokenizer metadata. `defaultAddBOS` is the model family's
    /// default when the file does not say (SentencePiece: true, byte-level BPE: false).
    init(file: GGUFFile, defaultAddBOS: Bool, requireScores: Bool) throws(TokenizerError) {
        let source = file.path
        self.source = source
        func fail(_ reason: TokenizerError.Reason) -> TokenizerError { TokenizerError(source: source, reason) }

        guard let tokenValue = file[GGUFKeys.tokens] else { throw fail(.missingKey(GGUFKeys.tokens)) }
        guard let tokens = tokenValue.strings else {
            throw fail(.wrongValueType(key: GGUFKeys.tokens, expected: "an array of strings"))
        }
        guard !tokens.isEmpty else { throw fail(.emptyVocabulary) }
        self.tokens = tokens

        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            if let first = ids.updateValue(i, forKey: t) {
                throw fail(.duplicateToken(text: t, firstID: first, secondID: i))
            }
        }
        self.idsByText = ids

        if let value = file[GGUFKeys.tokenTypes] {
            guard let raw = value.ints else {
                throw fail(.wrongValueType(key: GGUFKeys.tokenTypes, expected: "an array of integers"))
            }
            guard raw.count == tokens.count else {
                throw fail(.countMismatch(key: GGUFKeys.tokenTypes, count: raw.count, tokenCount: tokens.count))
            }
            types = raw.map(TokenType.init(fileValue:))
        } else {
            types = Array(repeating: .normal, count: tokens.count)
        }

        if let value = file[GGUFKeys.scores] {
            guard let s = value.floats else {
                throw fail(.wrongValueType(key: GGUFKeys.scores, expected: "an array of numbers"))
            }
            guard s.count == tokens.count else {
                throw fail(.countMismatch(key: GGUFKeys.scores, count: s.count, tokenCount: tokens.count))
            }
            scores = s
        } else if requireScores {
            throw fail(.missingKey(GGUFKeys.scores))
        } else {
            scores = []
        }

        func tokenID(_ key: String) throws(TokenizerError) -> Int? {
            guard let value = file[key] else { return nil }
            guard let id = value.int else { throw fail(.wrongValueType(key: key, expected: "an integer")) }
            guard id >= 0, id < tokens.count else {
                throw fail(.tokenIDOutOfRange(key: key, id: id, vocabularySize: tokens.count))
            }
            return id
        }
        bosID = try tokenID(GGUFKeys.bosTokenID)
        eosID = try tokenID(GGUFKeys.eosTokenID)
        unknownID = try tokenID(GGUFKeys.unknownTokenID)
        let eotID = try tokenID(GGUFKeys.eotTokenID)
        // Padding is never used here; converters sometimes write one past the vocabulary, which
        // llama.cpp also tolerates, so an out-of-range padding id is dropped instead of rejected.
        paddingID = file[GGUFKeys.paddingTokenID]?.int.flatMap { tokens.indices.contains($0) ? $0 : nil }

        func flag(_ key: String, default value: Bool) throws(TokenizerError) -> Bool {
            guard let v = file[key] else { return value }
            guard let b = v.bool else { throw fail(.wrongValueType(key: key, expected: "a bool")) }
            return b
        }
        addBOS = try flag(GGUFKeys.addBOS, default: defaultAddBOS)
        addEOS = try flag(GGUFKeys.addEOS, default: false)
        if addBOS, bosID == nil { throw fail(.missingSpecialToken(flag: GGUFKeys.addBOS, idKey: GGUFKeys.bosTokenID)) }
        if addEOS, eosID == nil { throw fail(.missingSpecialToken(flag: GGUFKeys.addEOS, idKey: GGUFKeys.eosTokenID)) }

        var endOfTurn = Set<Int>()
        if let eosID { endOfTurn.insert(eosID) }
        if let eotID { endOfTurn.insert(eotID) }
        for (i, t) in tokens.enumerated() where Self.endOfTurnTexts.contains(t) {
            endOfTurn.insert(i)
        }
        endOfTurnIDs = endOfTurn
    }
}
