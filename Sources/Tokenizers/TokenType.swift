/// The kind of a vocabulary entry, as stored in `tokenizer.ggml.token_type`
/// (llama.cpp `llama_token_type`, gguf-py `TokenType`).
public enum TokenType: Int, Sendable, CaseIterable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    /// BOS, EOS, `<|im_start|>`…: matched in text only when special tokens are parsed, and
    /// left out of decoded text when special tokens are skipped.
    case control = 3
    /// Added tokens that are always matched in text before the model splits it.
    case userDefined = 4
    case unused = 5
    /// SentencePiece byte-fallback tokens `<0xNN>`.
    case byte = 6

    /// Values outside the table count as undefined, as in llama.cpp.
    init(fileValue: Int) { self = TokenType(rawValue: fileValue) ?? .undefined }

    /// Control and unknown tokens: skipped when decoding with `skipSpecial`
    /// (llama.cpp `token_to_piece` with `special == false`).
    public var isSpecial: Bool { self == .control || self == .unknown }
}
