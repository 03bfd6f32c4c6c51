import Testing

@testable import Ingestion

@Suite struct ChunkerTests {
    let words = WhitespaceTokenCounter()

    /// Chunk texts must be exact slices of the document at their character ranges.
    func checkSlices(_ chunks: [Chunk], of text: String, max: Int, counter: any TokenCounter) {
        let characters = Array(text)
        for (k, chunk) in chunks.enumerated() {
            #expect(chunk.index == k)
            #expect(String(characters[chunk.characterRange]) == chunk.text)
            #expect(chunk.tokenCount == counter.tokenCount(chunk.text))
            #expect(chunk.tokenCount <= max)
        }
    }

    @Test func paragraphsArePackedAndBreaksPreferParagraphs() {
        let text = "one two three\n\nfour five six\n\nseven eight nine ten. eleven twelve."
        let chunks = Chunker(maxTokens: 7, counter: words).chunks(of: text, documentID: "doc")
        #expect(chunks.map(\.text) == ["one two three\n\nfour five six", "seven eight nine ten. eleven twelve."])
        #expect(chunks.map(\.documentID) == ["doc", "doc"])
        checkSlices(chunks, of: text, max: 7, counter: words)
    }

    @Test func longParagraphBreaksAtSentencesThenWords() {
        let text = "Alpha beta gamma. Delta epsilon zeta eta theta iota kappa lambda mu. Nu xi."
        let chunks = Chunker(maxTokens: 4, counter: words).chunks(of: text, documentID: "d")
        #expect(
            chunks.map(\.text) == [
                "Alpha beta gamma.", "Delta epsilon zeta eta", "theta iota kappa lambda", "mu. Nu xi.",
            ])
        checkSlices(chunks, of: text, max: 4, counter: words)
    }

    @Test func overlapRepeatsTheTailOfThePreviousChunk() {
        let text = (1...20).map { "w\($0)" }.joined(separator: " ")
        let chunks = Chunker(maxTokens: 8, overlapTokens: 3, counter: words).chunks(of: text, documentID: "d")
        #expect(chunks.first?.text == "w1 w2 w3 w4 w5 w6 w7 w8")
        #expect(chunks[1].text.hasPrefix("w6 w7 w8 w9"))  // 3 tokens of overlap
        #expect(chunks.last?.text.hasSuffix("w20") == true)
        checkSlices(chunks, of: text, max: 8, counter: words)
    }

    @Test func oversizedWordsAreSplitByCharacters() {
        let chars = ClosureTokenCounter { $0.count }
        let text = "short " + String(repeating: "é", count: 25) + " tail"
        let chunks = Chunker(maxTokens: 10, counter: chars).chunks(of: text, documentID: "d")
        #expect(chunks.allSatisfy { $0.tokenCount <= 10 })
        #expect(chunks.map(\.text).joined().filter { $0 == "é" }.count == 25)
        checkSlices(chunks, of: text, max: 10, counter: chars)
    }

    @Test func nonAdditiveCountersAreStillRespected() {
        // Counts one extra token per junction of words: the estimate undercounts, the check corrects.
        let strict = ClosureTokenCounter { text in
            let n = WhitespaceTokenCounter().tokenCount(text)
            return n == 0 ? 0 : 2 * n - 1
        }
        let text = (1...30).map { "t\($0)." }.joined(separator: " ")
        let chunks = Chunker(maxTokens: 9, counter: strict).chunks(of: text, documentID: "d")
        checkSlices(chunks, of: text, max: 9, counter: strict)
        #expect(chunks.map(\.text).joined(separator: " ") == text)
    }

    @Test func characterRangesCountGraphemes() {
        let text = "👩‍👩‍👧 family.\n\nSecond 🇫🇷 paragraph."
        let chunks = Chunker(maxTokens: 2, counter: words).chunks(of: text, documentID: "d")
        #expect(chunks.map(\.text) == ["👩‍👩‍👧 family.", "Second 🇫🇷", "paragraph."])
        #expect(chunks.map(\.characterRange) == [0..<9, 11..<19, 20..<30])
    }

    @Test func emptyTextHasNoChunks() {
        #expect(Chunker(maxTokens: 5, counter: words).chunks(of: " \n\n ", documentID: "d").isEmpty)
    }
}
