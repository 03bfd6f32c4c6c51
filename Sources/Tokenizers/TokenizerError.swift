/// Everything that can be wrong with a model's tokenizer metadata, a chat template, or a request
/// to render one. Each message names the source (usually the GGUF file) and the problem.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        /// A required metadata key is absent.
        case missingKey(String)
        /// A metadata key holds a value of the wrong type.
        case wrongValueType(key: String, expected: String)
        /// `tokenizer.ggml.model` names a tokenizer this module does not implement.
        case unsupportedModel(String)
        /// `tokenizer.ggml.pre` names a pre-tokenizer this module does not implement.
        case unsupportedPreTokenizer(String)
        case emptyVocabulary
        /// A per-token array (scores, token types) does not have one entry per token.
        case countMismatch(key: String, count: Int, tokenCount: Int)
        case duplicateToken(text: String, firstID: Int, secondID: Int)
        /// A merge is not two tokens separated by one space.
        case malformedMerge(index: Int, merge: String)
        /// A merge names a token that is not in the vocabulary.
        case mergeNamesUnknownToken(index: Int, merge: String, token: String)
        /// A merge produces a token that is not in the vocabulary.
        case mergeResultUnknown(index: Int, merge: String)
        /// A special-token id key points outside the vocabulary.
        case tokenIDOutOfRange(key: String, id: Int, vocabularySize: Int)
        /// `add_bos_token`/`add_eos_token` is true but the token id is not given.
        case missingSpecialToken(flag: String, idKey: String)
        /// The model has no `tokenizer.chat_template` and none was given.
        case missingChatTemplate
        /// The chat template belongs to no family this module can render.
        case unrecognizedChatTemplate(excerpt: String)
        /// A custom template lacks a required placeholder.
        case invalidCustomTemplate(String)
        /// The messages cannot be rendered by the template (the template itself would raise).
        case unsupportedConversation(String)
    }

    /// The file (or other source) the metadata came from.
    public let source: String
    public let reason: Reason

    public init(source: String, _ reason: Reason) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(detail)" }

    /// The problem alone.
    public var detail: String {
        switch reason {
        case .missingKey(let key): return "tokenizer metadata key '\(key)' is missing"
        case .wrongValueType(let key, let expected): return "tokenizer metadata key '\(key)' is not \(expected)"
        case .unsupportedModel(let name):
            return
                "tokenizer model '\(name)' is not supported (supported: gpt2 byte-level BPE, llama SentencePiece BPE)"
        case .unsupportedPreTokenizer(let name):
            let known = PreTokenizerKind.allCases.flatMap(\.ggufNames).joined(separator: ", ")
            return "pre-tokenizer '\(name)' (tokenizer.ggml.pre) is not supported (supported: \(known))"
        case .emptyVocabulary: return "tokenizer.ggml.tokens is empty"
        case .countMismatch(let key, let count, let tokenCount):
            return "'\(key)' has \(count) entries but the vocabulary has \(tokenCount) tokens"
        case .duplicateToken(let text, let a, let b):
            return "token '\(text)' appears twice in the vocabulary (ids \(a) and \(b))"
        case .malformedMerge(let index, let merge):
            return "merge \(index) '\(merge)' is not two tokens separated by a space"
        case .mergeNamesUnknownToken(let index, let merge, let token):
            return "merge \(index) '\(merge)' names '\(token)', which is not in the vocabulary"
        case .mergeResultUnknown(let index, let merge):
            return "merge \(index) '\(merge)' produces a token that is not in the vocabulary"
        case .tokenIDOutOfRange(let key, let id, let size):
            return "'\(key)' is \(id), outside the vocabulary of \(size) tokens"
        case .missingSpecialToken(let flag, let idKey): return "'\(flag)' is true but '\(idKey)' is not set"
        case .missingChatTemplate:
            return
                "the model has no tokenizer.chat_template; give a prompt template with {system} and {user} placeholders"
        case .unrecognizedChatTemplate(let excerpt):
            let families = ChatTemplateFamily.allCases.map(\.rawValue).joined(separator: ", ")
            return "the chat template is not one of the known families (\(families)): \"\(excerpt)…\"; "
                + "give a prompt template with {system} and {user} placeholders instead"
        case .invalidCustomTemplate(let why): return "custom prompt template: \(why)"
        case .unsupportedConversation(let why): return "chat template cannot render these messages: \(why)"
        }
    }
}
