/// Llama 2 chat: `<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>`
/// (Llama-2-chat's tokenizer_config.json template). It has no generation prompt: the text after
/// `[/INST]` is the answer.
public struct Llama2Format: ChatFormat {
    public let bosToken: String
    public let eosToken: String

    public init(bosToken: String, eosToken: String) {
        self.bosToken = bosToken
        self.eosToken = eosToken
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        var turns = messages[...]
        var system: String?
        if let first = messages.first, first.role == "system" {
            system = first.content
            turns = messages.dropFirst()
        }
        var out = ""
        for (i, m) in turns.enumerated() {
            try checkAlternation(m.role, at: i)
            var content = m.content
            if i == 0, let system { content = "<<SYS>>\n\(system)\n<</SYS>>\n\n" + content }
            if m.role == "user" {
                out += bosToken + "[INST] " + pythonStrip(content) + " [/INST]"
            } else if m.role == "assistant" {
                out += " " + pythonStrip(content) + " " + eosToken
            }
        }
        return out
    }
}
