/// Zephyr: `<|system|>\n{system}</s>\n<|user|>\n{user}</s>\n<|assistant|>\n`
/// (zephyr-7b-beta's template rendered with `trim_blocks`, as transformers does).
public struct ZephyrFormat: ChatFormat {
    public let eosToken: String

    public init(eosToken: String) { self.eosToken = eosToken }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        var out = ""
        for m in messages where ["user", "system", "assistant"].contains(m.role) {
            out += "<|\(m.role)|>\n" + m.content + eosToken + "\n"
        }
        // The template emits the prompt inside its loop, so an empty conversation gets none.
        if addGenerationPrompt, !messages.isEmpty { out += "<|assistant|>\n" }
        return out
    }
}
