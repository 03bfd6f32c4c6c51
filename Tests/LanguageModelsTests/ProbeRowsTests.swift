import KVCaches
import TestSupport
import Testing

@testable import LanguageModels

/// Probe rows through the real forward pass (the tiny random Llama): they change nothing of the
/// step they ride with, take no cache slot, and leave the attention their tokens would give the
/// cache had they been forwarded for real.
@Suite struct ProbeRowsTests {
    /// A chunk of 40 tokens, then 12 probe tokens (both > 8 rows: the prefill kernel).
    static let chunk = syntheticIDs(40, seed: 21).map { $0 % 300 }
    static let question = syntheticIDs(12, seed: 22).map { $0 % 300 }

    @Test func probeRowsLeaveTheStepAloneAndReportTheirAttention() throws {
        let model = try TinyModel.load().model
        let c = model.configuration
        let positions = Array(0..<Self.chunk.count)
        let probe = ProbeRows(
            tokens: Self.question, positions: Array(40..<52), kind: .question)

        // The step with probe rows against the same step without them.
        let plain = model.makeCache(
            capacity: 64, streamingPositions: false, keyFormat: .f32, valueFormat: .f32, probes: true)
        let withProbe = model.makeCache(
            capacity: 64, streamingPositions: false, keyFormat: .f32, valueFormat: .f32, probes: true)
        let a = try model.forward([SequenceStep(cache: plain, tokens: Self.chunk, positions: positions, logits: .all)])
        let b = try model.forward([
            SequenceStep(cache: withProbe, tokens: Self.chunk, positions: positions, logits: .all, probe: probe)
        ])
        #expect(a == b)  // bit for bit: the step's rows never see the probe rows
        #expect(withProbe.counts == Array(repeating: 40, count: c.layerCount))
        #expect(withProbe.peakCount == 40)

        // The question forwarded for real after the chunk: its column sums over the 40 chunk
        // slots are what the probe statistics hold.
        _ = try model.forward([
            SequenceStep(
                cache: plain, tokens: Self.question, positions: Array(40..<52), logits: .none, collectStatistics: true)
        ])
        let stats = try #require(withProbe.cells.probeStatistics)
        var largest: Float = 0
        for layer in 0..<c.layerCount {
            for head in 0..<c.kvHeadCount {
                let base = plain.slotBase(layer: layer, head: head)
                for j in 0..<40 {
                    let real = plain.stepStatistics.columnSum[base + j]
                    let probed = stats.sum[base + j]
                    #expect(abs(real - probed) < 1e-4, "layer \(layer) head \(head) slot \(j): \(real) vs \(probed)")
                    largest = max(largest, probed)
                }
            }
        }
        #expect(largest > 0.05)  // not all zero
    }

    /// A sequence under `probe` gets its question as probe rows in every prompt step; without a
    /// question it is refused before anything is allocated, naming the policy and the way out.
    @Test func sequencesCarryTheirProbe() throws {
        let loaded = try TinyModel.load()
        let prompt = syntheticIDs(300, seed: 23).map { $0 % 300 }
        let kv = KVSettings(mode: .encoding, budget: .fraction(0.25), stride: 32, policy: .probe)
        let generation = GenerationSettings(maxNewTokens: 2)
        let error = #expect(throws: ModelError.self) {
            _ = try GenerationSequence(model: loaded.model, prompt: prompt, kv: kv, generation: generation)
        }
        #expect(error?.description.contains("'probe'") == true && error?.description.contains("question") == true)

        let sequence = try GenerationSequence(
            model: loaded.model, prompt: prompt, kv: kv, generation: generation,
            probes: ProbeTokens(question: Self.question))
        let step = try #require(sequence.nextStep())
        #expect(step.probe?.tokens == Self.question)
        #expect(step.probe?.positions == Array(step.positions.last! + 1...step.positions.last! + 12))
        Scheduler(model: loaded.model, batchSize: 1).run([sequence])
        #expect(sequence.failure == nil && sequence.generated.count == 2)
        let plan = try #require(sequence.plan.regime.plan)
        #expect(sequence.usage.peakSlots <= plan.idx + 32)
        #expect(sequence.keptAfterPrompt == plan.idx)
    }

    /// kvzip's probe rows repeat each step behind the instruction, and every policy's run stays
    /// within budget + stride on the model.
    @Test(arguments: [PolicyName.knorm, .probe, .kvzip, .tovaFixed], [32, 100])
    func scoredPoliciesRunWithinBudget(_ policy: PolicyName, _ stride: Int) throws {
        let loaded = try TinyModel.load()
        let prompt = syntheticIDs(700, seed: 24).map { $0 % 300 }
        let probes = loaded.probeTokens(question: "what is it")
        #expect(!probes.repeatInstruction.isEmpty && !probes.question.isEmpty)
        let kv = KVSettings(mode: .encoding, budget: .fraction(0.25), stride: stride, policy: policy)
        let sequence = try GenerationSequence(
            model: loaded.model, prompt: prompt, kv: kv, generation: GenerationSettings(maxNewTokens: 3),
            probes: probes)
        let first = try #require(sequence.nextStep())
        if policy == .kvzip { #expect(first.probe?.tokens == probes.repeatInstruction + first.tokens) }
        Scheduler(model: loaded.model, batchSize: 1).run([sequence])
        #expect(sequence.failure == nil)
        let plan = try #require(sequence.plan.regime.plan)
        #expect(sequence.usage.peakSlots <= plan.idx + stride)
        #expect(sequence.keptAfterPrompt == plan.idx)
    }
}
