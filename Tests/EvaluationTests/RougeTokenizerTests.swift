import Testing

@testable import Evaluation

struct RougeTokenizerTests {
    @Test func lowercasesAndSplitsOnNonAlphanumerics() {
        let t = RougeTokenizer()
        #expect(t.tokens("Hello, World! It's 3.14\tnow") == ["hello", "world", "it", "s", "3", "14", "now"])
        #expect(t.tokens("  --  ") == [])
        #expect(t.tokens("café") == ["caf"])
        #expect(t.tokens("KELVIN \u{212A}") == ["kelvin", "k"])
    }

    @Test func stemsOnlyTokensLongerThanThree() {
        let t = RougeTokenizer(usesStemmer: true)
        // "bus" has three letters, so it is left alone (the stemmer would make it "bu").
        #expect(t.tokens("bus cats running ties dies") == ["bus", "cat", "run", "tie", "die"])
        #expect(PorterStemmer.stem("bus") == "bu")
    }
}
