import GGUF
import Testing

@testable import Tokenizers

/// SmolLM2 (gpt2 BPE, pre `smollm`) against the committed reference ids.
@Suite struct ByteLevelBPETokenizerTests {
    @Test func fixtureLoads() throws {
        #expect(TokenizerFixtures.smolCases.count >= 300)
        let tokenizer = try TokenizerFixtures.smol.get()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.merges.count == 48900)
        #expect(tokenizer.preTokenizerName == "smollm")
    }

    @Test(arguments: TokenizerFixtures.smolCases)
    func idsMatchReference(_ c: TokenizerFixtures.Case) throws {
        let tokenizer = try TokenizerFixtures.smol.get()
        // The fixture's ids are the llama.cpp-confirmed ones; a disagreement is recorded separately.
        #expect(c.llamaCppIds == nil, "tokenizers and llama.cpp disagree on this string")
        #expect(tokenizer.encode(c.text, addSpecial: true, parseSpecial: true) == c.ids)
    }

    @Test(arguments: TokenizerFixtures.smolCases.filter { $0.roundTrip == true })
    func roundTrip(_ c: TokenizerFixtures.Case) throws {
        let tokenizer = try TokenizerFixtures.smol.get()
        #expect(tokenizer.decode(tokenizer.encode(c.text)) == c.text)
    }

    @Test func specialTokens() throws {
        let t = try TokenizerFixtures.smol.get()
        // Reference ids from llama.cpp (llama-cpp-python tokenize, special=True).
        #expect(t.encode("<|im_start|>user\nHi<|im_end|>") == [1, 4093, 198, 26843, 2])
        // Not parsed: the same text is ordinary bytes, and no control token appears.
        let plain = t.encode("<|im_start|>user", addSpecial: true, parseSpecial: false)
        #expect(plain == [44, 108, 306, 79, 3738, 108, 46, 4093])  // llama.cpp, special=False
        #expect(t.decode(plain) == "<|im_start|>user")
        #expect(t.decode([1, 4093, 198, 26843, 2], skipSpecial: true) == "user\nHi")
        #expect(t.isSpecial(2) && !t.isSpecial(4093))
        #expect(t.endOfTurnIDs == [0, 2])  // <|im_end|> (EOS) and <|endoftext|>
        #expect(t.bosID == 1 && t.eosID == 2 && t.unknownID == 0)
    }

    @Test func addBOSFlagIsHonoured() throws {
        let t = try TokenizerFixtures.smol.get()
        #expect(t.vocabulary.addBOS == false)
        #expect(t.encode("Hello", addSpecial: true) == t.encode("Hello", addSpecial: false))
    }

    @Test func idsOutsideTheVocabularyDecodeToNothing() throws {
        let t = try TokenizerFixtures.smol.get()
        #expect(t.decode([19556, 49152, -1, 905]) == t.decode([19556, 905]))
    }
}
