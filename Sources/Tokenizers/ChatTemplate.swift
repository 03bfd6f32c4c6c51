import GGUF

/// The chat template families this module renders, recognised by their markers.
public enum ChatTemplateFamily: String, CaseIterable, Sendable {
    case chatML = "chatml"
    case llama2 = "llama2"
    case mistral = "mistral"
    case zephyr = "zephyr"
    case llama3 = "llama3"

    /// The family of a Jinja template, from markers only that family uses; nil if none matches.
    public static func detect(_ template: String) -> ChatTemplateFamily? {
        if template.contains("<|im_start|>") { return .chatML }
        if template.contains("<|start_header_id|>") { return .llama3 }
        if template.contains("<|user|>"), template.contains("<|assistant|>") { return .zephyr }
        if template.contains("[INST]") { return template.contains("<<SYS>>") ? .llama2 : .mistral }
        return nil
    }

    func format(template: String, bosToken: String, eosToken: String) -> any ChatFormat {
        switch self {
        case .chatML: return ChatMLFormat(template: template)
        case .llama2: return Llama2Format(bosToken: bosToken, eosToken: eosToken)
        case .mistral: return MistralFormat(bosToken: bosToken, eosToken: eosToken)
        case .zephyr: return ZephyrFormat(eosToken: eosToken)
        case .llama3: return Llama3Format(bosToken: bosToken)
        }
    }
}

/// Turns a conversation into prompt text: the model's own chat template (one of the known
/// families) or a custom template with `{system}`/`{user}` placeholders.
public struct ChatTemplate: Sendable {
    /// The recognised family; nil for a custom template.
    public let family: ChatTemplateFamily?
    public let format: any ChatFormat
    /// Where the template came from (a GGUF path or "custom prompt template"), for errors.
    public let origin: String
    /// The BOS token text; a rendered prompt that starts with it is encoded without adding another.
    public let bosToken: String?

    /// Recognises a Jinja chat template (`tokenizer.chat_template`).
    public init(jinja template: String, bosToken: String?, eosToken: String?, origin: String = "chat template")
        throws(TokenizerError)
    {
        guard let family = ChatTemplateFamily.detect(template) else {
            let excerpt = String(template.prefix(80)).replacing("\n", with: "\\n")
            throw TokenizerError(source: origin, .unrecognizedChatTemplate(excerpt: excerpt))
        }
        self.family = family
        self.format = family.format(template: template, bosToken: bosToken ?? "", eosToken: eosToken ?? "")
        self.origin = origin
        self.bosToken = bosToken
    }

    /// A custom template with `{user}` and optionally `{system}` placeholders.
    public init(custom template: String) throws(TokenizerError) {
        family = nil
        format = try CustomChatFormat(template: template)
        origin = "custom prompt template"
        bosToken = nil
    }

    /// The model's template from `tokenizer.chat_template`, with BOS/EOS texts from `tokenizer`.
    public init(file: GGUFFile, tokenizer: any Tokenizer) throws(TokenizerError) {
        guard let value = file[GGUFKeys.chatTemplate] else {
            throw TokenizerError(source: file.path, .missingChatTemplate)
        }
        guard let template = value.string else {
            throw TokenizerError(source: file.path, .wrongValueType(key: GGUFKeys.chatTemplate, expected: "a string"))
        }
        try self.init(
            jinja: template, bosToken: tokenizer.bosID.flatMap(tokenizer.tokenText),
            eosToken: tokenizer.eosID.flatMap(tokenizer.tokenText), origin: file.path)
    }

    /// The prompt text for `messages`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws(TokenizerError) -> String {
        do {
            return try format.render(messages, addGenerationPrompt: addGenerationPrompt)
        } catch {
            throw TokenizerError(source: origin, error.reason)
        }
    }

    /// The prompt's token ids: special-token text is parsed, and BOS is added only when the
    /// model asks for it and the rendered text does not already start with it.
    public func encode(_ messages: [ChatMessage], with tokenizer: any Tokenizer, addGenerationPrompt: Bool = true)
        throws(TokenizerError) -> [Int]
    {
        let text = try render(messages, addGenerationPrompt: addGenerationPrompt)
        let startsWithBOS = bosToken.map { !$0.isEmpty && text.hasPrefix($0) } ?? false
        return tokenizer.encode(text, addSpecial: !startsWithBOS, parseSpecial: true)
    }
}
