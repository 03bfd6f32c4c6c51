/// How one family of chat templates lays out a conversation: a native rendering of what the
/// family's Jinja template produces (checked against jinja2 output in the tests).
public protocol ChatFormat: Sendable {
    /// The prompt text for `messages`, ending with the assistant's header when
    /// `addGenerationPrompt` is true (for families whose template supports it).
    /// Throws `.unsupportedConversation` where the Jinja template would raise.
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String
}

extension ChatFormat {
    func unsupported(_ why: String) -> TokenizerError {
        TokenizerError(source: "chat template", .unsupportedConversation(why))
    }

    /// The alternation check of the Llama 2 and Mistral templates.
    func checkAlternation(_ role: String, at index: Int) throws(TokenizerError) {
        if (role == "user") != (index % 2 == 0) {
            throw unsupported("Conversation roles must alternate user/assistant/user/assistant/...")
        }
    }
}

/// Python's `str.strip()` (Jinja's `trim`): removes leading and trailing characters that Python
/// calls whitespace — Unicode White_Space plus the separators U+001C…U+001F.
func pythonStrip(_ text: String) -> String {
    func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace || (0x1C...0x1F).contains(s.value) }
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !isSpace($0) }),
        let last = scalars.lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(scalars[first...last])
}
