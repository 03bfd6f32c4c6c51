import Foundation
import KVCaches
import LanguageModels

/// What the model made of one input.
public struct InferenceResult: Sendable, Equatable {
    public var output: String
    public var stopReason: StopReason?
    public var promptTokens = 0
    public var keptTokens = 0
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var truncated = false
    public var chunks = 1
    public var levels = 1
    /// The KV settings that ran the last prompt (`KVPlan.effective`): a prompt within one stride
    /// may fall back to the full cache.
    public var kv: KVSettings?

    public init(output: String = "", stopReason: StopReason? = nil) {
        self.output = output
        self.stopReason = stopReason
    }

    mutating func add(_ o: GenerationOutcome) {
        promptTokens += o.promptTokens
        keptTokens += o.keptTokens
        generatedTokens += o.tokens.count
        prefillSeconds += o.prefillSeconds
        decodeSeconds += o.decodeSeconds
        stopReason = o.stopReason
        if let kv = o.kv { self.kv = kv }
    }
}

/// Runs an input's prompts through the `BatchEngine`; what the prompts are was planned by
/// `PrepareStage`. Map-reduce: the chunk prompts are submitted together (so they share batches),
/// then each reduce level `ReducePlan` lays out from their outputs.
public struct InferStage: PipelineStage {
    public let engine: BatchEngine
    public let kv: KVSettings
    public let generation: GenerationSettings
    public let stopStrings: [String]

    public var name: String { "infer" }

    public init(engine: BatchEngine, kv: KVSettings, generation: GenerationSettings, stopStrings: [String]) {
        self.engine = engine
        self.kv = kv
        self.generation = generation
        self.stopStrings = stopStrings
    }

    public func process(_ input: PreparedInput) async throws(PipelineError) -> InferenceResult {
        let id = input.unit.id
        var result = InferenceResult()
        switch input.plan {
        case .single(let prompt, let truncated):
            result.output = try await generate([prompt], into: &result, id: id, question: input.unit.question)[0]
            result.truncated = truncated
        case .mapReduce(let chunkPrompts, let reduce):
            result.chunks = chunkPrompts.count
            var partials = try await generate(chunkPrompts, into: &result, id: id, question: input.unit.question)
            while partials.count > 1 {
                result.levels += 1
                switch try reduce.next(partials, level: result.levels) {
                case .groups(let prompts):
                    partials = try await generate(prompts, into: &result, id: id, question: input.unit.question)
                case .final(let prompt, let truncated):
                    result.truncated = result.truncated || truncated
                    partials = try await generate([prompt], into: &result, id: id, question: input.unit.question)
                }
            }
            result.output = partials[0]
        }
        return result
    }

    /// Runs prompts concurrently (they join the engine's batches) and returns their outputs in order.
    /// `question` (the input's, if any) lets a `probe` policy score the cache by it.
    private func generate(_ prompts: [[Int]], into result: inout InferenceResult, id: String, question: String?)
        async throws(PipelineError) -> [String]
    {
        let requests = prompts.map {
            GenerationRequest(
                prompt: $0, kv: kv, generation: generation, stopStrings: stopStrings, question: question)
        }
        let engine = self.engine
        let outcomes = await withTaskGroup(of: (Int, GenerationOutcome).self) { group in
            for (k, request) in requests.enumerated() {
                group.addTask { (k, await engine.generate(request)) }
            }
            var out = [GenerationOutcome?](repeating: nil, count: prompts.count)
            for await (k, outcome) in group { out[k] = outcome }
            return out.compactMap { $0 }
        }
        var texts: [String] = []
        for outcome in outcomes {
            result.add(outcome)
            if let error = outcome.error { throw Self.named(error, id) }
            texts.append(outcome.text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return texts
    }

    static func named(_ error: PipelineError, _ id: String) -> PipelineError {
        if case .document(_, let kind, let message) = error { return .document(id: id, kind: kind, message: message) }
        return error
    }
}
