import GGUF

/// Builds the tokenizer a GGUF file describes.
public enum AutoTokenizer {
    /// The tokenizer named by `tokenizer.ggml.model`: `gpt2` → `ByteLevelBPETokenizer`,
    /// `llama` → `SentencePieceTokenizer`. Throws when the metadata is missing or inconsistent.
    public static func load(from file: GGUFFile) throws(TokenizerError) -> any Tokenizer {
        guard let value = file[GGUFKeys.tokenizerModel] else {
            throw TokenizerError(source: file.path, .missingKey(GGUFKeys.tokenizerModel))
        }
        guard let model = value.string else {
            throw TokenizerError(source: file.path, .wrongValueType(key: GGUFKeys.tokenizerModel, expected: "a string"))
        }
        switch model {
        case "gpt2": return try ByteLevelBPETokenizer(file: file)
        case "llama": return try SentencePieceTokenizer(file: file)
        default: throw TokenizerError(source: file.path, .unsupportedModel(model))
        }
    }

    /// Opens `path` and loads its tokenizer; a file that is not valid GGUF is reported as such.
    public static func load(path: String) throws -> any Tokenizer {
        try load(from: GGUFFile(path: path))
    }
}
