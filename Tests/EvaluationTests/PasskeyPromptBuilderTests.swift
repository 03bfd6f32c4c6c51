import Foundation
import Testing
import Tokenizers

@testable import Evaluation

/// A stand-in tokenizer whose counts can be checked by hand: every run of letters or digits is
/// one token, every other non-space character is one token, whitespace is free, and a BOS
/// token comes first. EasyKV's filler line is exactly 24 tokens under it.
enum WordTokenizer {
    static let bos = -1

    static func tokenize(_ text: String) -> [Int] {
        var out = [bos]
        var inWord = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if !inWord { out.append(1) }
                inWord = true
            } else {
                inWord = false
                if !scalar.properties.isWhitespace { out.append(2) }
            }
        }
        return out
    }
}

struct PasskeyPromptBuilderTests {
    let builder = PasskeyPromptBuilder.passkey(tokenize: WordTokenizer.tokenize)
    /// Tokens one filler line adds.
    static let lineTokens = 24

    @Test func fillerLineCountsAsDocumented() {
        #expect(WordTokenizer.tokenize(PasskeyPromptBuilder.fillerLine).count - 1 == Self.lineTokens)
    }

    @Test func promptHasEasyKVsShape() throws {
        let p = try builder.build(targetTokens: 600, depth: 0.5, key: "12345")
        #expect(p.text.hasPrefix(PasskeyPromptBuilder.header + "The grass is green."))
        // The last filler line has no newline; the question follows it directly (EASYKV-SPEC §10).
        #expect(p.text.hasSuffix("There and back again.What is the pass key? The pass key is "))
        let needle = "The pass key is 12345. Remember it. 12345 is the pass key."
        #expect(p.text.components(separatedBy: needle).count == 2)
        let lines = p.text.components(separatedBy: "\n")
        // header, filler lines with the needle among them, the last line carrying the question.
        #expect(lines.count == 1 + p.unitCount + 1)
        #expect(lines[1 + p.unitsBeforeNeedle] == needle)
        #expect(lines.filter { $0.hasPrefix("The grass is green.") }.count == p.unitCount)
        #expect(p.key == "12345")
        #expect(p.tokens == WordTokenizer.tokenize(p.text))
    }

    @Test(arguments: [100, 250, 1000, 4000], [0.0, 0.1, 0.5, 0.9, 1.0])
    func lengthAndDepthAreAsRequested(target: Int, depth: Double) throws {
        let p = try builder.build(targetTokens: target, depth: depth, key: "90210")
        // At least the target, and less than one filler line over it.
        #expect(p.tokens.count >= target)
        #expect(p.tokens.count < target + Self.lineTokens)
        // Fewest lines: one line fewer would not reach the target.
        if p.unitCount > 0 {
            let shorter = builder.text(unitCount: p.unitCount - 1, needleAfter: 0, key: "90210").text
            #expect(WordTokenizer.tokenize(shorter).count < target)
        }
        #expect(p.unitsBeforeNeedle == Int((depth * Double(p.unitCount)).rounded()))
        // The needle starts after the header and `unitsBeforeNeedle` lines of 24 tokens each…
        let prefix = String(decoding: Array(p.text.utf8)[..<p.needleOffset], as: UTF8.self)
        let needleToken = WordTokenizer.tokenize(prefix).count
        let headerTokens = WordTokenizer.tokenize(PasskeyPromptBuilder.header).count
        #expect(needleToken == headerTokens + p.unitsBeforeNeedle * Self.lineTokens)
        #expect(p.text.utf8.dropFirst(p.needleOffset).starts(with: "The pass key is 90210.".utf8))
        // …so as a fraction of the filler it is within half a line of the requested depth.
        let fillerTokens = Double(p.unitCount * Self.lineTokens)
        if fillerTokens > 0 {
            let measured = Double(needleToken - headerTokens) / fillerTokens
            #expect(abs(measured - depth) <= 0.5 / Double(p.unitCount) + 1e-12)
        }
    }

    @Test func depthOnePutsTheNeedleRightBeforeTheQuestion() throws {
        let p = try builder.build(targetTokens: 300, depth: 1, key: "55555")
        #expect(p.text.hasSuffix("55555 is the pass key.What is the pass key? The pass key is "))
        let q = try builder.build(targetTokens: 300, depth: 0, key: "55555")
        #expect(q.text.hasPrefix(PasskeyPromptBuilder.header + "The pass key is 55555."))
    }

    @Test func badSettingsAreErrors() {
        #expect(throws: EvaluationError.invalidSetting("needle depth 1.5 is not in [0, 1]")) {
            try builder.build(targetTokens: 100, depth: 1.5, key: "1")
        }
        #expect(throws: EvaluationError.self) { try builder.build(targetTokens: 0, depth: 0.5, key: "1") }
    }

    @Test func haystackIsCutIntoSentencesAndCycled() throws {
        #expect(
            PasskeyPromptBuilder.sentences("One two. Three!  Four?\nFive\nSix. ")
                == ["One two. ", "Three!  ", "Four?\n", "Five\n", "Six. "])
        #expect(PasskeyPromptBuilder.sentences("e.g.this stays. Next") == ["e.g.this stays. ", "Next"])
        let hay = try PasskeyPromptBuilder.haystack("Alpha beta. Gamma delta.\n", tokenize: WordTokenizer.tokenize)
        let p = try hay.build(targetTokens: 120, depth: 0.5, key: "31337")
        #expect(p.tokens.count >= 120 && p.tokens.count < 120 + 3)
        #expect(p.text.contains("Gamma delta.\nAlpha beta. Gamma delta.\nAlpha beta."))
        // The needle goes between two sentences of the haystack.
        #expect(
            p.text.contains("beta. The pass key is 31337. Remember it. 31337 is the pass key.\nGamma")
                || p.text.contains("delta.\nThe pass key is 31337. Remember it. 31337 is the pass key.\nAlpha"))
        #expect(p.text.hasSuffix(".What is the pass key? The pass key is "))
        #expect(throws: EvaluationError.self) {
            try PasskeyPromptBuilder.haystack(" \n ", tokenize: WordTokenizer.tokenize)
        }
    }

    @Test func keysAreFiveDigitsAndSeeded() {
        let a = PasskeyKeys.key(seed: 1, length: 1000, depth: 0.5, index: 0)
        #expect(a.count == 5 && a.allSatisfy(\.isNumber))
        #expect(a == PasskeyKeys.key(seed: 1, length: 1000, depth: 0.5, index: 0))
        let others = [
            PasskeyKeys.key(seed: 2, length: 1000, depth: 0.5, index: 0),
            PasskeyKeys.key(seed: 1, length: 2000, depth: 0.5, index: 0),
            PasskeyKeys.key(seed: 1, length: 1000, depth: 0.25, index: 0),
            PasskeyKeys.key(seed: 1, length: 1000, depth: 0.5, index: 1),
        ]
        #expect(Set(others + [a]).count == 5)
    }

    @Test(.enabled(if: EvaluationFixtures.modelPath != nil, "needs the shipped model"))
    func smolLM2TokenCountsAreAsRequested() throws {
        let tokenizer = try AutoTokenizer.load(path: EvaluationFixtures.modelPath!)
        let tokenize: @Sendable (String) -> [Int] = { tokenizer.encode($0, addSpecial: true, parseSpecial: false) }
        let real = PasskeyPromptBuilder.passkey(tokenize: tokenize)
        let lineTokens = tokenize(PasskeyPromptBuilder.fillerLine).count
        #expect(lineTokens > 15 && lineTokens < 30)
        for (target, depth) in [(1000, 0.25), (2000, 0.5), (4000, 0.9)] {
            let p = try real.build(targetTokens: target, depth: depth, key: "40723")
            #expect(p.tokens.count >= target && p.tokens.count < target + lineTokens, "\(target): \(p.tokens.count)")
            #expect(tokenizer.decode(p.tokens) == p.text)
            let prefix = String(decoding: Array(p.text.utf8)[..<p.needleOffset], as: UTF8.self)
            let fraction = Double(tokenize(prefix).count) / Double(p.tokens.count)
            #expect(abs(fraction - depth) < 0.05, "\(target)@\(depth): needle at \(fraction)")
        }
    }
}
