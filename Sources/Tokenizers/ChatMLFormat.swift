/// ChatML (`<|im_start|>role\ncontent<|im_end|>\n`), used by SmolLM2 and Qwen.
///
/// Some ChatML templates (SmolLM2's) add a default system message when the conversation does not
/// start with one; `defaultSystem` holds its text, read from the template.
public struct ChatMLFormat: ChatFormat {
    public let defaultSystem: String?

    public init(defaultSystem: String? = nil) { self.defaultSystem = defaultSystem }

    /// Reads the default system message from a ChatML template: a literal
    /// `'<|im_start|>system\n…<|im_end|>'` emitted when `messages[0]['role'] != 'system'`.
    public init(template: String) {
        defaultSystem = Self.defaultSystem(in: template)
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        var out = ""
        if let defaultSystem, let first = messages.first, first.role != "system" {
            out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
        }
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    static func defaultSystem(in template: String) -> String? {
        guard template.contains("!= 'system'") || template.contains("!= \"system\"") else { return nil }
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            guard let start = template.firstRange(of: opener) else { continue }
            let rest = template[start.upperBound...]
            guard let end = rest.firstRange(of: "<|im_end|>") else { continue }
            let literal = rest[..<end.lowerBound]
            // Only a plain string literal: anything Jinja would evaluate is not a default text.
            guard !literal.contains("{{"), !literal.contains("{%"), !literal.contains("'"), !literal.contains("\"")
            else {
                return nil
            }
            return unescapeJinjaLiteral(String(literal))
        }
        return nil
    }

    /// Resolves the backslash escapes of a Jinja (Python) string literal.
    static func unescapeJinjaLiteral(_ s: String) -> String {
        var out = ""
        var escaping = false
        for c in s {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
