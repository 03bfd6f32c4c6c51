/// Counts the tokens a text becomes under some tokenizer. The chunker measures with it; the real
/// model tokenizer plugs in through `ClosureTokenCounter`.
public protocol TokenCounter: Sendable {
    func tokenCount(_ text: String) -> Int
}

/// Any counting function: `ClosureTokenCounter { tokenizer.encode($0).count }`.
public struct ClosureTokenCounter: TokenCounter {
    private let count: @Sendable (String) -> Int

    public init(_ count: @escaping @Sendable (String) -> Int) { self.count = count }

    public func tokenCount(_ text: String) -> Int { count(text) }
}

/// Whitespace-separated words: a stand-in tokenizer for tests and for use before a model is
/// loaded (real subword tokenizers give roughly 1.3 tokens per English word).
public struct WhitespaceTokenCounter: TokenCounter {
    public init() {}

    public func tokenCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if !space && !inWord { count += 1 }
            inWord = !space
        }
        return count
    }
}
