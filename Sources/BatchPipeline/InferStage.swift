import Foundation
import Ingestion
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
    }
}

/// Runs an input's prompts through the `BatchEngine`. Map-reduce (issue 7 §4): the chunk prompts
/// are submitted together (so they share batches), their outputs are numbered and combined by
/// the reduce prompt; when the combined outputs are themselves too long they are grouped and
/// reduced again, one level at a time. At the last allowed level the combined outputs are cut
/// to fit, so a document always finishes in at most `map_reduce.max_levels` levels.
public struct InferStage: PipelineStage {
    public let engine: BatchEngine
    public let spec: PipelineSpec
    public let builder: PromptBuilder
    public let maxPromptTokens: Int
    public let generation: GenerationSettings

    public var name: String { "infer" }

    public init(engine: BatchEngine, spec: PipelineSpec, builder: PromptBuilder, maxPromptTokens: Int) {
        self.engine = engine
        self.spec = spec
        self.builder = builder
        self.maxPromptTokens = maxPromptTokens
        var stops = builder.tokenizer.endOfTurnIDs
        if let eos = builder.tokenizer.eosID { stops.insert(eos) }
        generation = spec.generationSettings(stopTokenIDs: stops)
    }

    public func process(_ input: PreparedInput) async throws(PipelineError) -> InferenceResult {
        switch input.plan {
        case .single(let prompt, let truncated):
            var result = InferenceResult()
            let text = try await generate(prompt, into: &result, id: input.unit.id)
            result.output = text
            result.truncated = truncated
            return result
        case .mapReduce(let chunkPrompts):
            return try await mapReduce(input, chunkPrompts)
        }
    }

    private func mapReduce(_ input: PreparedInput, _ chunkPrompts: [[Int]]) async throws(PipelineError)
        -> InferenceResult
    {
        let id = input.unit.id
        var result = InferenceResult()
        result.chunks = chunkPrompts.count
        result.levels = 1
        var partials = try await generateAll(chunkPrompts, into: &result, id: id)
        if partials.count == 1 {
            result.output = partials[0]
            return result
        }
        let prep = PrepareStage(spec: spec, builder: builder, maxPromptTokens: maxPromptTokens)
        let template = spec.prompt.reduce
        while true {
            let combined = Self.combine(partials)
            let prompt = try builder.encode(
                template: template, document: combined, title: input.title, question: input.unit.question)
            result.levels += 1
            if prompt.count <= maxPromptTokens {
                result.output = try await generate(prompt, into: &result, id: id)
                return result
            }
            if result.levels >= spec.mapReduce.maxLevels {
                let cut = try prep.truncatedPrompt(
                    template: template, text: combined, title: input.title, question: input.unit.question,
                    unit: input.unit)
                result.truncated = true
                result.output = try await generate(cut, into: &result, id: id)
                return result
            }
            // Group the partial outputs into prompts that fit, and reduce each group.
            let budget = try prep.documentBudget(
                template: template, title: input.title, question: input.unit.question, unit: input.unit)
            let groups = Chunker(maxTokens: budget, counter: builder.tokenCounter).chunks(of: combined, documentID: id)
            var prompts: [[Int]] = []
            for group in groups {
                prompts.append(
                    try builder.encode(
                        template: template, document: group.text, title: input.title, question: input.unit.question))
            }
            partials = try await generateAll(prompts, into: &result, id: id)
        }
    }

    /// Partial outputs, numbered, separated by blank lines.
    static func combine(_ partials: [String]) -> String {
        partials.enumerated().map { "Part \($0.offset + 1): \($0.element)" }.joined(separator: "\n\n")
    }

    /// Runs prompts concurrently (they join the engine's batches) and returns outputs in order.
    private func generateAll(_ prompts: [[Int]], into result: inout InferenceResult, id: String)
        async throws(PipelineError) -> [String]
    {
        let requests = prompts.map(request)
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
            result.stopReason = outcome.stopReason
            if let error = outcome.error { throw Self.named(error, id) }
            texts.append(text(of: outcome))
        }
        return texts
    }

    private func generate(_ prompt: [Int], into result: inout InferenceResult, id: String) async throws(PipelineError)
        -> String
    {
        let outcome = await engine.generate(request(prompt))
        result.add(outcome)
        result.stopReason = outcome.stopReason
        if let error = outcome.error { throw Self.named(error, id) }
        return text(of: outcome)
    }

    private func request(_ prompt: [Int]) -> GenerationRequest {
        GenerationRequest(
            prompt: prompt,
            kv: Self.kvSettings(spec.kv.settings, promptLength: prompt.count, maxNewTokens: generation.maxNewTokens),
            generation: generation, stopStrings: spec.generation.stop)
    }

    /// The KV settings for one prompt. A prompt no longer than one stride has nothing to evict
    /// before generation, but EasyKV's stride plan cannot be laid out for it when the budget is
    /// below one stride (EASYKV-SPEC bug B9, refused by `StridePlan`): such prompts run with the
    /// full cache, which is still within the memory the budget allows (budget + stride).
    static func kvSettings(_ kv: KVSettings, promptLength: Int, maxNewTokens: Int) -> KVSettings {
        guard kv.mode != .full, promptLength <= kv.stride else { return kv }
        if (try? BudgetController(settings: kv, promptLength: promptLength, maxNewTokens: maxNewTokens)) != nil {
            return kv
        }
        var full = kv
        full.mode = .full
        return full
    }

    /// The output text: control tokens dropped, cut at the first stop string, trimmed.
    func text(of outcome: GenerationOutcome) -> String {
        var text = builder.decode(outcome.tokens)
        for stop in spec.generation.stop {
            if let r = text.range(of: stop) { text = String(text[..<r.lowerBound]) }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func named(_ error: PipelineError, _ id: String) -> PipelineError {
        if case .document(_, let kind, let message) = error { return .document(id: id, kind: kind, message: message) }
        return error
    }
}
