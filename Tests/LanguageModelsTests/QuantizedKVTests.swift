import Foundation
import KVCaches
import TestSupport
import Testing

@testable import LanguageModels

/// The quantized KV cache on the real model (issue 15): perplexity within 1 % of the fp32
/// cache, every policy and mode within its budget at a quarter of the bytes, and a named error
/// where the head dimension cannot hold blocks of 32.
@Suite struct QuantizedKVTests {
    static func settings(_ kv: KVSettings, _ keys: KVFormat, _ values: KVFormat) -> KVSettings {
        var kv = kv
        kv.keyFormat = keys
        kv.valueFormat = values
        return kv
    }

    /// Issue 15 acceptance: at full budget, q8_0 keys and values keep the perplexity of the
    /// 547-token fixture within +1 % of fp32 KV (q4 values are reported, bounded at +5 %), in one
    /// pass and in strides (decoded tiles in prefill, and the cache read back across strides).
    @Test func perplexityAtFullBudgetIsWithinOnePercent() throws {
        let model = try ReferenceModels.requireStandard()
        let fixture = try ForwardFixtures.json("smollm2/p500_raw.json")
        let ids = try #require(fixture["prompt_ids"] as? [Int])
        #expect(ids.count == 547)
        for stride in [512, 96] {
            let full = KVSettings(mode: .full, stride: stride)
            let fp32 = try model.perplexity(of: ids, kv: full)
            let q8 = try model.perplexity(of: ids, kv: Self.settings(full, .q8_0, .q8_0))
            let q4 = try model.perplexity(of: ids, kv: Self.settings(full, .q8_0, .q4_0))
            #expect(q8.perplexity <= fp32.perplexity * 1.01, "stride \(stride): \(q8.perplexity) vs \(fp32.perplexity)")
            #expect(q4.perplexity <= fp32.perplexity * 1.05, "stride \(stride): \(q4.perplexity) vs \(fp32.perplexity)")
            // It really is the quantized cache: the rounding moves perplexity a little, and the
            // bytes are the stored blocks' (136 of 512 per head and slot for q8_0).
            #expect(q8.perplexity != fp32.perplexity && q4.perplexity != q8.perplexity)
            #expect(q8.kvBytes * 512 == fp32.kvBytes * 136)
            #expect(Double(q8.kvBytes) <= 0.55 * Double(fp32.kvBytes))
        }
    }

    /// Every policy in every mode runs end to end on q8_0 storage with the peak slots of fp32
    /// storage (budget + stride), holding 0.27× its KV bytes.
    @Test(arguments: PolicyName.allCases)
    func everyPolicyKeepsItsBudget(policy: PolicyName) throws {
        let model = try ReferenceModels.requireStandard()
        let ids = syntheticIDs(300, seed: 3)
        var cases: [(KVSettings, [Int], Int)] = [
            (KVSettings(mode: .decoding, budget: .tokens(12), policy: policy), Array(ids.prefix(40)), 24)
        ]
        if policy != .h2oHeadDecayAvgStd {
            cases.append((KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 32, policy: policy), ids, 3))
            cases.append((KVSettings(mode: .auto, budget: .tokens(128), stride: 16, policy: policy), ids, 6))
        }
        for (kv, prompt, count) in cases {
            let fp32 = try greedy(model, prompt, count: count, kv: kv)
            let q8 = try greedy(model, prompt, count: count, kv: Self.settings(kv, .q8_0, .q8_0))
            #expect(q8.generated.count == count)
            #expect(q8.usage.peakSlots == fp32.usage.peakSlots, "\(kv.label)")
            #expect(q8.usage.keptTokens == fp32.usage.keptTokens)
            #expect(q8.usage.kvBytes * 512 == fp32.usage.kvBytes * 136)
            #expect(q8.plan.effective.keyFormat == .q8_0)
            if kv.mode == .encoding {
                let plan = try #require(fp32.plan.regime.plan)
                #expect(q8.usage.peakSlots <= (policy == .full ? prompt.count + count : plan.idx + kv.stride))
            }
        }
    }

    /// A head dimension that is not a multiple of 32 (the tiny test model's is 16) cannot hold
    /// quantized rows: the sequence is refused before anything is allocated, naming the flag.
    @Test func headDimensionMustHoldBlocks() throws {
        let tiny = try TinyModel.load().model
        #expect(tiny.configuration.headDim == 16)
        let kv = KVSettings(keyFormat: .f32, valueFormat: .q4_1)
        let error = #expect(throws: ModelError.self) {
            _ = try GenerationSequence(model: tiny, prompt: [1, 2, 3], kv: kv, generation: GenerationSettings())
        }
        #expect(
            error?.description
                == "--kv-value-type: q4_1 stores blocks of 32 along the head dimension; this model's head dimension 16 is not a multiple of 32 (use f32)"
        )
        #expect(throws: ModelError.self) { _ = try tiny.perplexity(of: [1, 2, 3], kv: kv) }
    }
}
