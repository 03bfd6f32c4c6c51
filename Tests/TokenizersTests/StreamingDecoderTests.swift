import Testing

@testable import Tokenizers

@Suite struct StreamingDecoderTests {
    /// Feeding ids one at a time yields the same text as decoding them at once, and no piece
    /// ever ends inside a UTF-8 sequence.
    @Test(arguments: ["café 你好 😀 👨‍👩‍👧‍👦", "naïve 日本語のテキスト", "🇫🇷🇯🇵 1️⃣ émoji\u{301}"])
    func byteLevelPiecesAreWholeCharacters(_ text: String) throws {
        let t = try TokenizerFixtures.smol.get()
        let ids = t.encode(text)
        // Some token must split a character, or this test would not test anything.
        #expect(ids.contains { String(validating: t.pieceBytes($0), as: UTF8.self) == nil })
        var decoder = t.makeStreamingDecoder()
        var pieces: [String] = []
        for id in ids { pieces.append(decoder.push(id)) }
        pieces.append(decoder.finish())
        #expect(pieces.joined() == text)
        #expect(!pieces.joined().contains("\u{FFFD}"))
        #expect(!decoder.hasPendingBytes)
    }

    @Test func byteFallbackTokensAreHeldUntilComplete() throws {
        let t = try TokenizerFixtures.spm.get()
        let ids = t.encode("你", addSpecial: false)  // ▁ <0xE4> <0xBD> <0xA0>
        var decoder = t.makeStreamingDecoder()
        #expect(decoder.push(ids[0]) == " ")
        #expect(decoder.push(ids[1]) == "")
        #expect(decoder.push(ids[2]) == "")
        #expect(decoder.hasPendingBytes)
        #expect(decoder.push(ids[3]) == "你")
        #expect(decoder.finish() == "")
    }

    @Test func unfinishedCharacterIsReplacedAtTheEnd() throws {
        let t = try TokenizerFixtures.spm.get()
        let e4 = try #require(t.vocabulary.id(for: "<0xE4>"))
        let a = try #require(t.vocabulary.id(for: "<0x41>"))
        var decoder = t.makeStreamingDecoder()
        #expect(decoder.push(e4) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        // An invalid sequence is not held back: the A comes out at once.
        #expect(decoder.push(e4) == "")
        #expect(decoder.push(a) == "\u{FFFD}A")
    }

    @Test func specialTokensAreSkippedByDefault() throws {
        let t = try TokenizerFixtures.smol.get()
        var skipping = t.makeStreamingDecoder()
        var keeping = t.makeStreamingDecoder(skipSpecial: false)
        #expect(skipping.push(2) == "")
        #expect(keeping.push(2) == "<|im_end|>")
    }

    @Test func completePrefixLength() {
        #expect(StreamingDecoder.completePrefixLength([0x41, 0xE4, 0xBD]) == 1)
        #expect(StreamingDecoder.completePrefixLength([0xE4, 0xBD, 0xA0]) == 3)
        #expect(StreamingDecoder.completePrefixLength([0xF0, 0x9F, 0x98]) == 0)
        #expect(StreamingDecoder.completePrefixLength([0xF0, 0x9F, 0x98, 0x80]) == 4)
        #expect(StreamingDecoder.completePrefixLength([0x41, 0xFF]) == 2)
        #expect(StreamingDecoder.completePrefixLength([0x80, 0x80]) == 2)
    }
}
