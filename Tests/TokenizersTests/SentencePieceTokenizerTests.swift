import GGUF
import Testing

@testable import Tokenizers

/// The SentencePiece BPE vocabulary trained on the license texts (spm_tiny.gguf) against
/// `sentencepiece`'s own encoder.
@Suite struct SentencePieceTokenizerTests {
    @Test func fixtureLoads() throws {
        #expect(TokenizerFixtures.spmCases.count >= 300)
        #expect(TokenizerFixtures.spmSpecialCases.count >= 10)
        let t = try TokenizerFixtures.spm.get()
        #expect(t.vocabularySize == 3000)
        #expect(t.addsSpacePrefix)
        #expect(t.vocabulary.addBOS && t.bosID == 1 && t.eosID == 2 && t.unknownID == 0)
        #expect(t.byteTokens.allSatisfy { $0 >= 0 })
        // Byte fallback is exercised: many fixture strings contain characters no piece covers.
        let byteIDs = Set(t.byteTokens.map(Int.init))
        #expect(TokenizerFixtures.spmCases.filter { $0.ids.contains(where: byteIDs.contains) }.count > 100)
    }

    /// Plain text: sentencepiece does not parse `<s>` in text, so neither do we here.
    @Test(arguments: TokenizerFixtures.spmCases)
    func idsMatchSentencePiece(_ c: TokenizerFixtures.Case) throws {
        let t = try TokenizerFixtures.spm.get()
        #expect(c.llamaCppIds == nil, "sentencepiece and llama.cpp disagree on this string")
        #expect(t.encode(c.text, addSpecial: false, parseSpecial: false) == c.ids)
    }

    /// Merging word by word (the fast path) gives what merging whole fragments gives.
    @Test func wordSplittingDoesNotChangeIDs() throws {
        let t = try TokenizerFixtures.spm.get()
        #expect(t.splitsBeforeSpaces)
        var whole = t
        whole.splitsBeforeSpaces = false
        for c in TokenizerFixtures.spmCases {
            #expect(whole.encode(c.text, addSpecial: false, parseSpecial: false) == c.ids)
        }
    }

    @Test(arguments: TokenizerFixtures.spmCases.filter { $0.roundTrip == true })
    func roundTrip(_ c: TokenizerFixtures.Case) throws {
        let t = try TokenizerFixtures.spm.get()
        #expect(t.decode(t.encode(c.text, addSpecial: true, parseSpecial: false), skipSpecial: true) == c.text)
    }

    /// `<s>`, `</s>`, `<unk>` in context, split the way llama.cpp does (each text fragment gets
    /// the dummy prefix), checked against llama.cpp by the fixture script.
    @Test(arguments: TokenizerFixtures.spmSpecialCases)
    func specialTokensInContext(_ c: TokenizerFixtures.Case) throws {
        let t = try TokenizerFixtures.spm.get()
        #expect(c.llamaCppIds == nil)
        #expect(t.encode(c.text, addSpecial: false, parseSpecial: true) == c.ids)
    }

    @Test func bosIsAddedAndDecodingDropsDummyPrefix() throws {
        let t = try TokenizerFixtures.spm.get()
        let ids = t.encode("Hello world")
        #expect(ids.first == 1)
        #expect(Array(ids.dropFirst()) == t.encode("Hello world", addSpecial: false))
        #expect(t.decode(ids, skipSpecial: true) == "Hello world")
        #expect(t.decode(ids) == "<s> Hello world")
        #expect(t.encode("") == [1])
        #expect(t.encode("", addSpecial: false).isEmpty)
    }

    @Test func byteFallbackSpellsUTF8() throws {
        let t = try TokenizerFixtures.spm.get()
        let ids = t.encode("你", addSpecial: false)
        // ▁ then the three UTF-8 bytes of 你 (E4 BD A0) as <0xNN> tokens.
        #expect(ids.count == 4)
        #expect(ids.dropFirst().map { t.tokenText($0) ?? "" } == ["<0xE4>", "<0xBD>", "<0xA0>"])
        #expect(t.decode(ids) == "你")
    }
}
