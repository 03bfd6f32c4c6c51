/// A prompt template given by a pipeline instead of the model's: plain text with a `{user}`
/// placeholder and optionally `{system}`, filled from one optional system message and one user
/// message. Special-token text in it (`<|im_start|>`) becomes special tokens when encoded.
public struct CustomChatFormat: ChatFormat {
    public let template: String

    public init(template: String) throws(TokenizerError) {
        guard template.contains("{user}") else {
            throw TokenizerError(
                source: "custom prompt template", .invalidCustomTemplate("it has no {user} placeholder"))
        }
        self.template = template
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        var rest = messages[...]
        var system = ""
        if let first = rest.first, first.role == "system" {
            system = first.content
            rest = rest.dropFirst()
        }
        guard rest.count == 1, let user = rest.first, user.role == "user" else {
            throw unsupported("a custom prompt template takes one optional system message and one user message")
        }
        // Fill both placeholders in one pass so text inside the messages is never substituted.
        var out = ""
        var remaining = template[...]
        while let open = remaining.firstIndex(of: "{") {
            out += remaining[..<open]
            let tail = remaining[open...]
            if tail.hasPrefix("{system}") {
                out += system
                remaining = tail.dropFirst("{system}".count)
            } else if tail.hasPrefix("{user}") {
                out += user.content
                remaining = tail.dropFirst("{user}".count)
            } else {
                out += "{"
                remaining = tail.dropFirst()
            }
        }
        return out + remaining
    }
}
