import Foundation
import KVCaches
import LanguageModels

/// Runs `BenchmarkCase`s on one model: prompts of pseudo-random token ids (what llama-bench
/// feeds too; speed does not depend on the text), greedy sampling, stop tokens ignored.
public struct BenchmarkRunner {
    public let model: LlamaModel
    /// The naive reference's model: the same file loaded `--exact` with no fp32 copy
    /// (`referenceOptions`), for cases with `quantized == false`.
    public let reference: LlamaModel?

    public init(model: LlamaModel, reference: LlamaModel? = nil) {
        self.model = model
        self.reference = reference
    }

    /// How the naive reference loads: fp32 prefill (`--exact`) on tiles of 64 weight rows
    /// dequantized on the fly, never a copy of the weights (27 GB at 7B), so its memory is the
    /// mapped file's like the measured path's.
    public static let referenceOptions = LoadOptions(exact: true, denseWeightLimit: 0)

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
        if reference != nil { _ = try measure(.decode(depth: 8, tokens: 2, quantized: false)) }
    }

    /// - Throws: `EvaluationError.invalidSetting` for a naive case without a `reference`.
    public func measure(_ c: BenchmarkCase) throws -> BenchmarkMeasurement {
        guard let model = c.quantized ? model : reference else {
            throw EvaluationError.invalidSetting("\(c.id): the naive reference needs a reference model")
        }
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
