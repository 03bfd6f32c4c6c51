/// Llama 3 Instruct: `<|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>`
/// with each content trimmed, and `<|start_header_id|>assistant<|end_header_id|>\n\n` as the
/// generation prompt.
public struct Llama3Format: ChatFormat {
    public let bosToken: String

    public init(bosToken: String) { self.bosToken = bosToken }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        var out = ""
        for (i, m) in messages.enumerated() {
            if i == 0 { out += bosToken }
            out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n" + pythonStrip(m.content) + "<|eot_id|>"
        }
        if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        return out
    }
}
