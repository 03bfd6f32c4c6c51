import GGUF
import Testing

@testable import Tokenizers

/// One small GGUF per kind of broken tokenizer metadata, each with the error it must give.
@Suite struct AutoTokenizerTests {
    /// A tiny valid byte-level vocabulary: the 256 byte characters, "ab", "abc"; merges "a b", "ab c".
    static func gpt2Metadata() -> [(String, GGUFValue)] {
        let bytes = (0..<256).map { ByteLevelAlphabet.string(for: UInt8($0)) }
        let tokens = bytes + ["ab", "abc", "<|end|>"]
        return [
            (GGUFKeys.tokenizerModel, .string("gpt2")),
            (GGUFKeys.tokenizerPre, .string("gpt2")),
            (GGUFKeys.tokens, .array(tokens.map { .string($0) })),
            (GGUFKeys.tokenTypes, .array(tokens.indices.map { .int32($0 == 258 ? 3 : 1) })),
            (GGUFKeys.merges, .array([.string("a b"), .string("ab c")])),
            (GGUFKeys.eosTokenID, .uint32(258)),
        ]
    }

    /// A tiny valid SentencePiece vocabulary.
    static func llamaMetadata() -> [(String, GGUFValue)] {
        let tokens = ["<unk>", "<s>", "</s>", "\u{2581}", "a", "b", "\u{2581}a", "\u{2581}ab"]
        return [
            (GGUFKeys.tokenizerModel, .string("llama")),
            (GGUFKeys.tokens, .array(tokens.map { .string($0) })),
            (GGUFKeys.scores, .array(tokens.indices.map { .float32(-Float($0)) })),
            (GGUFKeys.tokenTypes, .array([2, 3, 3, 1, 1, 1, 1, 1].map { .int32($0) })),
            (GGUFKeys.bosTokenID, .uint32(1)),
            (GGUFKeys.eosTokenID, .uint32(2)),
            (GGUFKeys.unknownTokenID, .uint32(0)),
        ]
    }

    static func load(_ metadata: [(String, GGUFValue)]) throws -> (any Tokenizer, String) {
        var w = GGUFWriter()
        for (k, v) in metadata { w.add(k, v) }
        let file = try TokenizerFixtures.gguf(w)
        return (try AutoTokenizer.load(from: file), file.path)
    }

    @Test func tinyVocabulariesWork() throws {
        let (bpe, _) = try Self.load(Self.gpt2Metadata())
        // "abc" merges twice; " ab" keeps its space byte (0x20) and merges "a b".
        let ids = bpe.encode("abc ab<|end|>")
        #expect(ids == [257, 0x20, 256, 258])
        #expect(bpe.decode(ids) == "abc ab<|end|>")
        let (spm, _) = try Self.load(Self.llamaMetadata())
        #expect(spm.encode("ab a") == [1, 7, 6])
        #expect(spm.decode(spm.encode("ab a"), skipSpecial: true) == "ab a")
    }

    enum Malformation: String, CaseIterable, CustomTestStringConvertible {
        case noModelKey, unknownModel, modelNotString, noTokens, tokensNotStrings, emptyTokens, duplicateToken
        case typeCountMismatch, scoreCountMismatch, scoresNotNumbers, llamaWithoutScores
        case noMerges, malformedMerge, mergeNamesUnknownToken, mergeResultUnknown
        case bosOutOfRange, negativeEOS, idNotInteger, addBOSWithoutBOS, unknownPreTokenizer, spacePrefixNotBool

        var testDescription: String { rawValue }

        /// The broken metadata and the reason it must be rejected with.
        var example: ([(String, GGUFValue)], TokenizerError.Reason) {
            var gpt2 = AutoTokenizerTests.gpt2Metadata()
            var llama = AutoTokenizerTests.llamaMetadata()
            func set(_ m: inout [(String, GGUFValue)], _ key: String, _ value: GGUFValue?) {
                m.removeAll { $0.0 == key }
                if let value { m.append((key, value)) }
            }
            switch self {
            case .noModelKey:
                set(&gpt2, GGUFKeys.tokenizerModel, nil)
                return (gpt2, .missingKey(GGUFKeys.tokenizerModel))
            case .unknownModel:
                set(&gpt2, GGUFKeys.tokenizerModel, .string("bert"))
                return (gpt2, .unsupportedModel("bert"))
            case .modelNotString:
                set(&gpt2, GGUFKeys.tokenizerModel, .uint32(2))
                return (gpt2, .wrongValueType(key: GGUFKeys.tokenizerModel, expected: "a string"))
            case .noTokens:
                set(&llama, GGUFKeys.tokens, nil)
                return (llama, .missingKey(GGUFKeys.tokens))
            case .tokensNotStrings:
                set(&llama, GGUFKeys.tokens, .array([.int32(1), .int32(2)]))
                return (llama, .wrongValueType(key: GGUFKeys.tokens, expected: "an array of strings"))
            case .emptyTokens:
                set(&llama, GGUFKeys.tokens, .array([]))
                return (llama, .emptyVocabulary)
            case .duplicateToken:
                set(
                    &llama, GGUFKeys.tokens,
                    .array(["<unk>", "<s>", "</s>", "a", "b", "a", "x", "y"].map { .string($0) }))
                return (llama, .duplicateToken(text: "a", firstID: 3, secondID: 5))
            case .typeCountMismatch:
                set(&llama, GGUFKeys.tokenTypes, .array([.int32(1), .int32(1)]))
                return (llama, .countMismatch(key: GGUFKeys.tokenTypes, count: 2, tokenCount: 8))
            case .scoreCountMismatch:
                set(&llama, GGUFKeys.scores, .array((0..<7).map { .float32(Float($0)) }))
                return (llama, .countMismatch(key: GGUFKeys.scores, count: 7, tokenCount: 8))
            case .scoresNotNumbers:
                set(&llama, GGUFKeys.scores, .array((0..<8).map { .string("\($0)") }))
                return (llama, .wrongValueType(key: GGUFKeys.scores, expected: "an array of numbers"))
            case .llamaWithoutScores:
                set(&llama, GGUFKeys.scores, nil)
                return (llama, .missingKey(GGUFKeys.scores))
            case .noMerges:
                set(&gpt2, GGUFKeys.merges, nil)
                return (gpt2, .missingKey(GGUFKeys.merges))
            case .malformedMerge:
                set(&gpt2, GGUFKeys.merges, .array([.string("a b"), .string("abc")]))
                return (gpt2, .malformedMerge(index: 1, merge: "abc"))
            case .mergeNamesUnknownToken:
                set(&gpt2, GGUFKeys.merges, .array([.string("a b"), .string("ab zz")]))
                return (gpt2, .mergeNamesUnknownToken(index: 1, merge: "ab zz", token: "zz"))
            case .mergeResultUnknown:
                set(&gpt2, GGUFKeys.merges, .array([.string("a b"), .string("b c")]))
                return (gpt2, .mergeResultUnknown(index: 1, merge: "b c"))
            case .bosOutOfRange:
                set(&llama, GGUFKeys.bosTokenID, .uint32(8))
                return (llama, .tokenIDOutOfRange(key: GGUFKeys.bosTokenID, id: 8, vocabularySize: 8))
            case .negativeEOS:
                set(&gpt2, GGUFKeys.eosTokenID, .int32(-1))
                return (gpt2, .tokenIDOutOfRange(key: GGUFKeys.eosTokenID, id: -1, vocabularySize: 259))
            case .idNotInteger:
                set(&llama, GGUFKeys.unknownTokenID, .string("0"))
                return (llama, .wrongValueType(key: GGUFKeys.unknownTokenID, expected: "an integer"))
            case .addBOSWithoutBOS:
                set(&llama, GGUFKeys.bosTokenID, nil)
                return (llama, .missingSpecialToken(flag: GGUFKeys.addBOS, idKey: GGUFKeys.bosTokenID))
            case .unknownPreTokenizer:
                set(&gpt2, GGUFKeys.tokenizerPre, .string("klingon"))
                return (gpt2, .unsupportedPreTokenizer("klingon"))
            case .spacePrefixNotBool:
                set(&llama, GGUFKeys.addSpacePrefix, .uint8(1))
                return (llama, .wrongValueType(key: GGUFKeys.addSpacePrefix, expected: "a bool"))
            }
        }
    }

    @Test(arguments: Malformation.allCases)
    func malformedMetadataIsRejected(_ m: Malformation) throws {
        let (metadata, reason) = m.example
        var w = GGUFWriter()
        for (k, v) in metadata { w.add(k, v) }
        let file = try TokenizerFixtures.gguf(w)
        #expect(throws: TokenizerError(source: file.path, reason)) { try AutoTokenizer.load(from: file) }
        // The message names the file.
        #expect(TokenizerError(source: file.path, reason).description.hasPrefix(file.path + ": "))
    }
}
