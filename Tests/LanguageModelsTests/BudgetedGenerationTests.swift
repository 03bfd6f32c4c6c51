import Foundation
import KVCaches
import TestSupport
import Testing

@testable import LanguageModels

/// Deterministic pseudo-text ids (the model only needs valid ids here).
func syntheticIDs(_ count: Int, seed: UInt64) -> [Int] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(state >> 33) % 48_000 + 200
    }
}

@Suite struct BudgetedGenerationTests {
    /// Issue 5: a 4,000-token prompt at `--kv-mode encoding --budget 0.25 --stride 64` keeps
    /// exactly the spec's `idx`, and the cache never holds more than the plan's `idx + s`.
    @Test func encodingKeepsThePlannedCount() throws {
        let model = try ReferenceModels.requireStandard()
        let ids = syntheticIDs(4000, seed: 5)
        let kv = KVSettings(mode: .encoding, budget: .fraction(0.25), stride: 64, policy: .roco)
        let sequence = try greedy(model, ids, count: 4, kv: kv)
        // B' = floor(4000·0.25) + 64 = 1064; idx = largest i ≤ 1064 with (4000 − i) % 64 == 0.
        let plan = try #require(
            try StridePlan.encoding(promptLength: 4000, budget: .fraction(0.25), stride: 64, recentRatio: 0.1, sink: 4))
        #expect(plan.idx == 1056)
        let report = sequence.usage
        #expect(report.keptTokens == 1056)
        #expect(report.peakSlots == 1056 + 64)
        let c = model.configuration
        #expect(report.kvBytes == (1056 + 64) * c.layerCount * c.kvHeadCount * c.headDim * 2 * 4)
        #expect(report.evictions == (4000 - 1056) / 64)
        // The cache was allocated once for the plan plus the generated tokens.
        #expect(sequence.cache.capacity == max(1056 + 64, 1056 + 4))
    }

    /// Issue 4: a 7,000-token prompt runs with activation memory bounded by the stride.
    @Test func longPromptRunsWithinTheStride() throws {
        // Its own instance: the shared ones also serve tests that forward 2,000 tokens at once.
        let model = try LlamaModel(path: try TestModel.require())
        let ids = syntheticIDs(7000, seed: 9)
        let sequence = try greedy(model, ids, count: 2, kv: KVSettings(mode: .full, stride: 512))
        #expect(sequence.generated.count == 2)
        #expect(sequence.usage.peakSlots == 7001)
        #expect(model.activationRows <= 512)
    }

    /// Every EasyKV policy and mode runs end to end on the real model and respects its budget
    /// (the scored policies: `ScoredGenerationTests`).
    @Test(arguments: PolicyName.easyKV)
    func everyPolicyRunsOnTheModel(policy: PolicyName) throws {
        let model = try ReferenceModels.requireStandard()
        let ids = syntheticIDs(300, seed: 3)
        if policy != .h2oHeadDecayAvgStd {
            let encoding = try greedy(
                model, ids, count: 3,
                kv: KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 32, policy: policy))
            #expect(encoding.usage.peakSlots <= (policy == .full ? 303 : 150 + 32 + 32))
            let auto = try greedy(
                model, ids, count: 6, kv: KVSettings(mode: .auto, budget: .tokens(128), stride: 16, policy: policy))
            #expect(auto.generated.count == 6)
        }
        let decoding = try greedy(
            model, Array(ids.prefix(40)), count: 24,
            kv: KVSettings(mode: .decoding, budget: .tokens(12), policy: policy))
        #expect(decoding.usage.peakSlots == (policy == .full ? 40 + 23 : 40 + 13))
    }

    /// Streaming positions (StreamingLLM renumbering) change nothing while nothing is evicted.
    @Test func streamingPositionsEqualTruePositionsWithoutEviction() throws {
        let model = try ReferenceModels.requireStandard()
        let ids = syntheticIDs(100, seed: 11)
        let plain = try greedy(model, ids, count: 8)
        let streaming = try greedy(model, ids, count: 8, kv: KVSettings(mode: .full, streamingPositions: true))
        #expect(plain.generated == streaming.generated)
    }
}
