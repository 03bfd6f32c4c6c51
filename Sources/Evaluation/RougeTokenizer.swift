/// ROUGE's tokenisation, as the PyPI `rouge-score` package does it by default
/// (`rouge_score/tokenize.py`, which follows Lin's ROUGE-1.5.5): lowercase the text, turn every
/// run of characters other than `a–z` and `0–9` into one space, split on spaces and, with the
/// stemmer on, stem the tokens longer than three characters (nltk's Porter stemmer).
public struct RougeTokenizer: Sendable {
    public var usesStemmer: Bool

    public init(usesStemmer: Bool = false) { self.usesStemmer = usesStemmer }

    /// The tokens of `text`.
    public func tokens(_ text: String) -> [String] {
        // Python's `str.lower()` is Unicode's full lowercase mapping, as is Swift's, so letters
        // such as `İ` (→ "i̇") and the Kelvin sign (→ "k") contribute ASCII letters in both.
        var tokens: [String] = []
        var current: [UInt8] = []
        func flush() {
            guard !current.isEmpty else { return }
            let token = usesStemmer && current.count > 3 ? PorterStemmer.stem(current) : current
            if !token.isEmpty { tokens.append(String(decoding: token, as: UTF8.self)) }
            current.removeAll(keepingCapacity: true)
        }
        for scalar in text.lowercased().unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A, 0x30...0x39: current.append(UInt8(scalar.value))
            default: flush()
            }
        }
        flush()
        return tokens
    }
}
