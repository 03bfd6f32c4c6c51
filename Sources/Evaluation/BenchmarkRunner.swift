import Foundation
import KVCaches
import LanguageModels

/// What one `BenchmarkCase` measured.
public struct BenchmarkMeasurement: Sendable, Codable {
    /// Prompt tokens/s for prefill, generated tokens/s (summed over the batch) for decode.
    public var tokensPerSecond: Double
    /// Wall seconds of the measured part.
    public var seconds: Double
    /// The first sequence's KV usage (kept tokens, peak slots, KV bytes).
    public var kv: KVUsage

    enum CodingKeys: String, CodingKey {
        case tokensPerSecond = "tokens_per_second"
        case seconds, kv
    }
}

/// Runs `BenchmarkCase`s on one model: prompts of pseudo-random token ids (what llama-bench
/// feeds too; speed does not depend on the text), greedy sampling, stop tokens ignored.
public struct BenchmarkRunner {
    public let model: LlamaModel

    public init(model: LlamaModel) { self.model = model }

    /// `count` token ids in `[256, vocab)` from a fixed generator: the same prompt every run.
    public func promptTokens(_ count: Int, seed: UInt64) -> [Int] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let vocab = model.configuration.vocabSize
        let low = min(256, vocab - 1)
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return low + Int((state >> 33) % UInt64(vocab - low))
        }
    }

    /// One forward of each kind so buffers exist and pages are touched before timing.
    public func warmUp() throws {
        _ = try measure(.decode(depth: 64, tokens: 4))
        _ = try measure(.decode(depth: 8, tokens: 2, quantized: false))
    }

    public func measure(_ c: BenchmarkCase) throws -> BenchmarkMeasurement {
        let kv = settings(c)
        let generation = GenerationSettings(
            maxNewTokens: c.kind == .prefill ? 1 : c.newTokens + 1, sampling: .greedy, stopTokenIDs: [],
            ignoreStopTokens: true)
        let sequences = try (0..<c.batch).map { i in
            try GenerationSequence(
                model: model, prompt: promptTokens(c.promptTokens, seed: UInt64(i + 1)), kv: kv, generation: generation)
        }
        let savedLimit = model.quantizedRowLimit
        if !c.quantized { model.quantizedRowLimit = 0 }
        defer { model.quantizedRowLimit = savedLimit }

        // The scheduler times prompt strides and decode steps apart, as the pipeline batches them.
        let scheduler = Scheduler(model: model, batchSize: c.batch)
        scheduler.run(sequences)
        if let failure = sequences.lazy.compactMap(\.failure).first { throw failure }
        let stats = scheduler.statistics
        let usage = sequences[0].usage
        switch c.kind {
        case .prefill:
            let seconds = stats.prefillSeconds
            return BenchmarkMeasurement(
                tokensPerSecond: Double(c.promptTokens * c.batch) / seconds, seconds: seconds, kv: usage)
        case .decode:
            let seconds = stats.decodeSeconds
            let tokens = sequences.reduce(0) { $0 + max($1.generated.count - 1, 0) }
            return BenchmarkMeasurement(tokensPerSecond: Double(tokens) / seconds, seconds: seconds, kv: usage)
        }
    }

    func settings(_ c: BenchmarkCase) -> KVSettings {
        switch c.budget {
        case .full:
            KVSettings(mode: .full, stride: c.stride, policy: .roco)
        case .prompt(let fraction):
            KVSettings(mode: .encoding, budget: .fraction(fraction), stride: c.stride, policy: .roco)
        case .total(let tokens):
            KVSettings(mode: .auto, budget: .tokens(tokens), stride: c.stride, policy: .roco)
        }
    }
}

/// Issue 9's memory figure, measured in a fresh process so earlier cases do not raise the peak:
/// load the model, note the resident size, prefill one budgeted prompt, note the peak.
public struct BenchmarkMemoryProbe: Sendable, Codable {
    public var promptTokens: Int
    public var budget: Double
    /// Resident bytes right after the model loaded (mapped weights and fp32 copies).
    public var modelBytes: Int
    /// The KV cache's allocation for this prompt and budget (`KVUsage.allocatedBytes`).
    public var kvPlanBytes: Int
    public var peakBytes: Int
    /// What the issue bounds by 64 MiB: peak − model − KV plan.
    public var overheadBytes: Int

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case budget
        case modelBytes = "model_bytes"
        case kvPlanBytes = "kv_plan_bytes"
        case peakBytes = "peak_bytes"
        case overheadBytes = "overhead_bytes"
    }

    /// Loads the model at `path` and prefills `promptTokens` at `budget` (stride 512, roco).
    public static func run(
        modelPath: String, options: LoadOptions = LoadOptions(), promptTokens: Int = 7000, budget: Double = 0.25
    ) throws -> Self {
        let model = try LlamaModel(path: modelPath, options: options)
        let modelBytes = ProcessMemory.residentBytes()
        let runner = BenchmarkRunner(model: model)
        let result = try runner.measure(.prefill(promptTokens, stride: 512, .prompt(budget)))
        let peak = ProcessMemory.peakResidentBytes()
        return BenchmarkMemoryProbe(
            promptTokens: promptTokens, budget: budget, modelBytes: modelBytes, kvPlanBytes: result.kv.allocatedBytes,
            peakBytes: peak, overheadBytes: peak - modelBytes - result.kv.allocatedBytes)
    }
}
