import Foundation
import Testing
import Tokenizers

@testable import LanguageModels

@Suite struct SamplerTests {
    @Test func greedyTakesTheFirstMaximum() {
        var s = Sampler(.greedy)
        #expect(s.sample([0.5, 2, 2, -1]) == 1)
    }

    /// EasyKV's top-p rule (spec §8): a token is dropped when the mass strictly before it
    /// already exceeds top_p, so the token that crosses top_p is kept.
    @Test func topPKeepsTheTokenThatCrossesTheThreshold() {
        // Probabilities 0.5, 0.3, 0.2 (logits are their logs; T = 1).
        let logits: [Float] = [log(0.5), log(0.3), log(0.2)]
        let settings = SamplingSettings(temperature: 1, topP: 0.6)
        let kept = logits.withUnsafeBufferPointer { Sampler.filteredDistribution($0, settings: settings) }
        #expect(kept.map(\.id) == [0, 1])
        #expect(abs(kept[0].p - 0.625) < 1e-6 && abs(kept[1].p - 0.375) < 1e-6)
        // Mass before token 1 is 0.5 > 0.45: only the first token stays.
        let tight = logits.withUnsafeBufferPointer {
            Sampler.filteredDistribution($0, settings: SamplingSettings(temperature: 1, topP: 0.45))
        }
        #expect(tight.map(\.id) == [0] && tight[0].p == 1)
    }

    @Test func topKAndTemperature() {
        let logits: [Float] = [1, 3, 2, 0]
        let top2 = logits.withUnsafeBufferPointer {
            Sampler.filteredDistribution($0, settings: SamplingSettings(temperature: 1, topK: 2))
        }
        #expect(top2.map(\.id) == [1, 2])
        let cold = logits.withUnsafeBufferPointer {
            Sampler.filteredDistribution($0, settings: SamplingSettings(temperature: 0.01))
        }
        #expect(cold[0].id == 1 && cold[0].p > 0.999)
    }

    @Test func seededSamplingRepeatsAndFollowsTheDistribution() {
        let logits: [Float] = [log(0.7), log(0.2), log(0.1)]
        var a = Sampler(SamplingSettings(temperature: 1, seed: 42))
        var b = Sampler(SamplingSettings(temperature: 1, seed: 42))
        let drawsA = (0..<2000).map { _ in a.sample(logits) }
        let drawsB = (0..<2000).map { _ in b.sample(logits) }
        #expect(drawsA == drawsB)
        let share = Double(drawsA.filter { $0 == 0 }.count) / 2000
        #expect(abs(share - 0.7) < 0.04)
        #expect(Set(drawsA) == [0, 1, 2])
    }
}

@Suite struct StopStringsTests {
    @Test func holdsBackPartialMatchesAndCutsAtTheStop() {
        var s = StopStrings(["</answer>"])
        #expect(s.push("The key is 42</") == "The key is 42")
        #expect(s.push("ans") == "")
        #expect(s.push("wer> trailing") == "")
        #expect(s.stopped)
        #expect(s.finish() == "")
    }

    @Test func releasesHeldTextThatDidNotMatch() {
        var s = StopStrings(["\n\n"])
        #expect(s.push("one\n") == "one")
        #expect(s.push("two") == "\ntwo")
        #expect(s.finish() == "")
        #expect(!s.stopped)
        var t = StopStrings(["STOP"])
        #expect(t.push("ST") == "")
        #expect(t.finish() == "ST")
    }
}
