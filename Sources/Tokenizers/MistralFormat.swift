/// Mistral Instruct (v0.1): `<s>[INST] {user} [/INST]{answer}</s>[INST] …`. The template accepts
/// only alternating user and assistant messages; a system message is an error, as in Jinja.
public struct MistralFormat: ChatFormat {
    public let bosToken: String
    public let eosToken: String

    public init(bosToken: String, eosToken: String) {
        self.bosToken = bosToken
        self.eosToken = eosToken
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        var out = bosToken
        for (i, m) in messages.enumerated() {
            try checkAlternation(m.role, at: i)
            switch m.role {
            case "user": out += "[INST] " + m.content + " [/INST]"
            case "assistant": out += m.content + eosToken
            default: throw unsupported("Only user and assistant roles are supported!")
            }
        }
        return out
    }
}
