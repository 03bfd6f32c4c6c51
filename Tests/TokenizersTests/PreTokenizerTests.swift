import Testing

@testable import Tokenizers

/// The hand-written regex matchers against the regexes themselves, run by `tokenizers`
/// (Oniguruma) on every fixture string.
@Suite struct PreTokenizerTests {
    struct SplitCase: Decodable, Sendable, CustomTestStringConvertible {
        let text: String
        let gpt2: [String]
        let llama3: [String]
        var testDescription: String { String(reflecting: String(text.prefix(60))) }
    }

    struct SplitFile: Decodable { let cases: [SplitCase] }

    static let cases = (try? TokenizerFixtures.decode(SplitFile.self, "pretokenizer_splits.json").cases) ?? []

    static func pieces(_ text: String, _ sequence: PreTokenizerSequence) -> [String] {
        var scalars = ScalarText()
        var copy = text
        copy.withUTF8 { scalars.load($0) }
        var ends: [Int] = []
        var scratch: [Int] = []
        sequence.split(scalars, into: &ends, scratch: &scratch)
        let all = Array(text.unicodeScalars)
        var start = 0
        return ends.map { end in
            defer { start = end }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: all[start..<end])
            return String(s)
        }
    }

    @Test func fixtureLoads() { #expect(Self.cases.count >= 300) }

    @Test(arguments: cases)
    func gpt2(_ c: SplitCase) {
        #expect(Self.pieces(c.text, PreTokenizerKind.gpt2.sequence) == c.gpt2)
    }

    @Test(arguments: cases)
    func llama3(_ c: SplitCase) {
        #expect(Self.pieces(c.text, PreTokenizerKind.llama3.sequence) == c.llama3)
    }

    @Test func smollmSplitsEveryDigit() {
        #expect(
            Self.pieces("x 2024-03-15\n    4", PreTokenizerKind.smollm.sequence)
                == ["x", " ", "2", "0", "2", "4", "-", "0", "3", "-", "1", "5", "\n    ", "4"])
        #expect(Self.pieces("¹²³ ٣", PreTokenizerKind.smollm.sequence) == ["¹", "²", "³", " ", "٣"])
    }

    @Test func qwen2TakesSingleDigits() {
        #expect(Self.pieces("abc 12345", PreTokenizerKind.qwen2.sequence) == ["abc", " ", "1", "2", "3", "4", "5"])
        #expect(Self.pieces("abc 12345", PreTokenizerKind.llama3.sequence) == ["abc", " ", "123", "45"])
    }

    @Test func defaultListSplitsPunctuationAndDigitTriples() {
        #expect(
            Self.pieces("a+b 1234567!", PreTokenizerKind.default.sequence) == [
                "a", "+", "b", " ", "123", "456", "7", "!",
            ])
    }

    @Test func kindsByName() {
        #expect(PreTokenizerKind(ggufName: "smollm") == .smollm)
        #expect(PreTokenizerKind(ggufName: "llama-bpe") == .llama3)
        #expect(PreTokenizerKind(ggufName: "gpt-2") == .gpt2)
        #expect(PreTokenizerKind(ggufName: "nonsense") == nil)
        let names = PreTokenizerKind.allCases.flatMap(\.ggufNames)
        #expect(Set(names).count == names.count)
    }
}
