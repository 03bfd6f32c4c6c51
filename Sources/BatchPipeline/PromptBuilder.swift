import Ingestion
import Tokenizers

/// Turns a prompt template and a document into the model's token ids: placeholders filled,
/// wrapped in the chat template (the model's own or the pipeline's custom one), encoded.
///
/// Text from inputs (document, title, question) must not become control tokens: a document
/// containing `<|im_end|>` would otherwise end the user turn and speak for the assistant. Such
/// text is broken with a zero-width space before encoding, so it stays ordinary text.
public struct PromptBuilder: Sendable {
    public let tokenizer: any Tokenizer
    public let chat: ChatTemplate
    public let system: String?
    /// Texts of control tokens that appear in inputs and must be neutralised.
    private let controlTexts: [String]

    public init(tokenizer: any Tokenizer, chat: ChatTemplate, system: String?) {
        self.tokenizer = tokenizer
        self.chat = chat
        self.system = system
        let vocabulary = tokenizer.vocabulary
        controlTexts = vocabulary.tokens.indices
            .filter { vocabulary.types[$0] == .control && vocabulary.tokens[$0].unicodeScalars.count > 1 }
            .map { vocabulary.tokens[$0] }
    }

    /// The token ids of the full chat prompt for `template` with `{document}`, `{title}` and
    /// `{question}` filled in one pass (text inside the values is never substituted again).
    public func encode(template: String, document: String, title: String, question: String?) throws(PipelineError)
        -> [Int]
    {
        let user = Self.fill(
            template,
            ["document": neutralised(document), "title": neutralised(title), "question": neutralised(question ?? "")])
        var messages: [ChatMessage] = []
        if let system, !system.isEmpty { messages.append(.system(system)) }
        messages.append(.user(user))
        do {
            return try chat.encode(messages, with: tokenizer)
        } catch {
            throw PipelineError.model("chat template: \(error)")
        }
    }

    /// Tokens of plain text (no BOS, control-token text kept as text): what the chunker counts.
    public func textTokens(_ text: String) -> [Int] {
        tokenizer.encode(text, addSpecial: false, parseSpecial: false)
    }

    /// A counter the chunker measures chunks with.
    public var tokenCounter: any TokenCounter {
        let tokenizer = self.tokenizer
        return ClosureTokenCounter { tokenizer.encode($0, addSpecial: false, parseSpecial: false).count }
    }

    /// The text of generated ids, without control tokens.
    public func decode(_ ids: [Int]) -> String { tokenizer.decode(ids, skipSpecial: true) }

    /// The first `count` tokens of `text`, as text.
    public func prefix(of text: String, tokens count: Int) -> String {
        let ids = textTokens(text)
        guard ids.count > count else { return text }
        return tokenizer.decode(Array(ids.prefix(max(0, count))), skipSpecial: false)
    }

    /// `text` with every control-token text broken by U+200B after its first character.
    func neutralised(_ text: String) -> String {
        var out = text
        for control in controlTexts where out.contains(control) {
            let first = control.prefix(1)
            out = out.replacing(control, with: first + "\u{200B}" + control.dropFirst())
        }
        return out
    }

    /// Fills `{name}` placeholders from `values` in one left-to-right pass; unknown `{...}` stay.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let tail = rest[open...]
            if let close = tail.firstIndex(of: "}"), let value = values[String(tail[tail.index(after: open)..<close])] {
                out += value
                rest = tail[tail.index(after: close)...]
            } else {
                out += "{"
                rest = tail.dropFirst()
            }
        }
        return out + rest
    }
}
