/// Turns a prompt template and its values into the model's token ids: `{name}` placeholders
/// filled, the result wrapped as the user message of the chat template (with the system message,
/// when there is one), encoded. The one way prompts are built, for pipelines, evaluations and
/// `generate --chat`.
///
/// Text from the values (documents, titles, questions) never becomes a special token: a page
/// containing `<|im_end|>` must not end the user turn and speak for the assistant. The template
/// is rendered with a marker in place of each value, the values are spliced in, and the encoding
/// parses special tokens only outside the values' bytes (`SpecialTokenParsing.outside`). Word
/// pieces are merged across the seams exactly as in the whole text.
public struct PromptBuilder: Sendable {
    public let tokenizer: any Tokenizer
    /// The chat template; nil encodes the filled template as plain text (BOS as the model asks).
    public let chat: ChatTemplate?
    public let system: String?

    public init(tokenizer: any Tokenizer, chat: ChatTemplate?, system: String? = nil) {
        self.tokenizer = tokenizer
        self.chat = chat
        self.system = system
    }

    /// The token ids of `template` with `{name}` placeholders filled from `values` in one pass
    /// (text inside the values is never substituted again; unknown `{...}` stay as they are).
    public func encode(_ template: String, _ values: [String: String]) throws(TokenizerError) -> [Int] {
        let names = Array(values.keys)
        var marked: [String: String] = [:]
        for (k, name) in names.enumerated() { marked[name] = Self.marker(k) }
        let user = Self.fill(template, marked)
        let rendered: String
        var addSpecial = true
        if let chat {
            var messages: [ChatMessage] = []
            if let system, !system.isEmpty { messages.append(.system(system)) }
            messages.append(.user(user))
            rendered = try chat.render(messages)
            if let bos = chat.bosToken, !bos.isEmpty, rendered.hasPrefix(bos) { addSpecial = false }
        } else {
            rendered = user
        }
        let (text, literal) = Self.splice(rendered, values: names.map { values[$0]! })
        return tokenizer.encode(text, addSpecial: addSpecial, special: .outside(literal))
    }

    /// The text of generated ids, without control tokens.
    public func decode(_ ids: [Int]) -> String { tokenizer.decode(ids, skipSpecial: true) }

    /// Fills `{name}` placeholders from `values` in one left-to-right pass; unknown `{...}` stay.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
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

    /// Private-use characters around a value's index: no template or chat format contains them.
    static let markerOpen: Unicode.Scalar = "\u{F8F0}"
    static let markerClose: Unicode.Scalar = "\u{F8F1}"

    static func marker(_ k: Int) -> String { "\(Character(markerOpen))\(k)\(Character(markerClose))" }

    /// `rendered` with each marker replaced by its value, and the UTF-8 byte ranges the values
    /// occupy in the result.
    static func splice(_ rendered: String, values: [String]) -> (text: String, literal: [Range<Int>]) {
        var text = ""
        var literal: [Range<Int>] = []
        var rest = rendered.unicodeScalars[...]
        while let open = rest.firstIndex(of: markerOpen) {
            text.unicodeScalars.append(contentsOf: rest[..<open])
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: markerClose),
                let k = Int(String(String.UnicodeScalarView(rest[afterOpen..<close]))), values.indices.contains(k)
            else {
                text.unicodeScalars.append(rest[open])
                rest = rest[afterOpen...]
                continue
            }
            let start = text.utf8.count
            text += values[k]
            literal.append(start..<text.utf8.count)
            rest = rest[rest.index(after: close)...]
        }
        text.unicodeScalars.append(contentsOf: rest)
        return (text, literal)
    }
}
