import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One document's output under one KV setting, compared with the full-cache output (and with the
/// reference when there is one): a JSON Lines record.
public struct FidelityResult: Sendable, Encodable, Equatable, EvaluationResult {
    public var id: String
    /// What ran (`KVPlan.effective`); `policy`, `budget` and `stride` in the JSON line.
    public var kv: KVSettings
    public var promptTokens: Int
    public var keptTokens: Int
    public var generatedTokens: Int
    public var output: String
    /// ROUGE-L F1 of this output against the full-cache output (1 for the full cache itself).
    public var rougeLVsFull: Double?
    /// Generated tokens identical to the full-cache output's, from the start.
    public var commonPrefixTokens: Int?
    /// ROUGE F1 against the document's reference, when it has one.
    public var rouge1: Double?
    public var rouge2: Double?
    public var rougeL: Double?
    /// Model seconds attributed to the output (prefill + decode) and its peak KV bytes.
    public var seconds: Double
    public var kvBytes: Int
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case kvType = "kv_type"
        case id, policy, budget, stride, output, error, seconds
        case kvBytes = "kv_bytes"
        case promptTokens = "prompt_tokens"
        case keptTokens = "kept_tokens"
        case generatedTokens = "generated_tokens"
        case rougeLVsFull = "rouge_l_vs_full"
        case commonPrefixTokens = "common_prefix_tokens"
        case rouge1 = "rouge_1"
        case rouge2 = "rouge_2"
        case rougeL = "rouge_l"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(policy, forKey: .policy)
        try c.encode(fraction, forKey: .budget)
        try c.encode(stride, forKey: .stride)
        try c.encode(kvType, forKey: .kvType)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(keptTokens, forKey: .keptTokens)
        try c.encode(generatedTokens, forKey: .generatedTokens)
        try c.encode(output, forKey: .output)
        try c.encodeIfPresent(rougeLVsFull, forKey: .rougeLVsFull)
        try c.encodeIfPresent(commonPrefixTokens, forKey: .commonPrefixTokens)
        try c.encodeIfPresent(rouge1, forKey: .rouge1)
        try c.encodeIfPresent(rouge2, forKey: .rouge2)
        try c.encodeIfPresent(rougeL, forKey: .rougeL)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(kvBytes, forKey: .kvBytes)
        try c.encodeIfPresent(error, forKey: .error)
    }
}

/// Fidelity to the full cache: each document is prompted with a template, generated greedily
/// with the full cache and with every policy × budget × stride, and each budgeted output is
/// scored against the full-cache one (ROUGE-L F1, common greedy prefix in tokens) and against
/// the reference when given (ROUGE-1/2/L F1).
public struct FidelityEvaluation {
    public static let defaultTemplate = "Summarize the following text in a few sentences.\n\n{document}"

    public struct Settings: Sendable {
        /// The user message; `{document}` stands for the document's text.
        public var template: String
        /// Wrap the message in the model's chat template (when it has one).
        public var useChatTemplate: Bool
        public var maxNewTokens: Int
        public var batchSize: Int
        /// The full cache first, then each budgeted setting (`KVSettings.evaluationGrid`).
        public var grid: [KVSettings]
        public var useStemmer: Bool

        public init(
            template: String = FidelityEvaluation.defaultTemplate, useChatTemplate: Bool = true,
            maxNewTokens: Int = 128,
            batchSize: Int = 4, grid: [KVSettings], useStemmer: Bool = false
        ) {
            self.template = template
            self.useChatTemplate = useChatTemplate
            self.maxNewTokens = maxNewTokens
            self.batchSize = batchSize
            self.grid = grid
            self.useStemmer = useStemmer
        }
    }

    public let loaded: LoadedModel
    public let settings: Settings
    let builder: PromptBuilder
    var tokenizer: any Tokenizer { loaded.tokenizer }

    public init(loaded: LoadedModel, settings: Settings) throws(EvaluationError) {
        guard settings.template.contains("{document}") else {
            throw EvaluationError.invalidSetting("--template must contain {document}")
        }
        guard settings.maxNewTokens >= 1 else {
            throw EvaluationError.invalidSetting("--max-tokens must be at least 1")
        }
        self.loaded = loaded
        self.settings = settings
        builder = PromptBuilder(
            tokenizer: loaded.tokenizer, chat: settings.useChatTemplate ? loaded.chatTemplate : nil)
    }

    /// The prompt tokens for `document` (its text never becomes a control token).
    public func prompt(for document: FidelityDocument) throws(EvaluationError) -> [Int] {
        do { return try builder.encode(settings.template, ["document": document.text]) } catch {
            throw EvaluationError.model("\(document.id): \(error)")
        }
    }

    /// Runs every document under every configuration; `record` receives a document's results
    /// (full cache first) once all of them are done.
    public func run(
        _ documents: [FidelityDocument], progress: EvaluationProgress? = nil,
        record: ([FidelityResult]) -> Void = { _ in }
    ) throws(EvaluationError) -> [FidelityResult] {
        let grid = settings.grid
        let context = loaded.model.configuration.contextLength
        var prompts: [[Int]] = []
        for d in documents {
            let p = try prompt(for: d)
            guard p.count + settings.maxNewTokens <= context else {
                throw EvaluationError.tooShort(
                    "\(d.id): prompt of \(p.count) tokens plus \(settings.maxNewTokens) generated exceeds the model's context of \(context)"
                )
            }
            prompts.append(p)
        }
        let jobs = documents.indices.flatMap { d in grid.indices.map { (document: d, setting: $0) } }
        var finished = [[Outcome?]](repeating: [Outcome?](repeating: nil, count: grid.count), count: documents.count)
        var remaining = [Int](repeating: grid.count, count: documents.count)
        var all: [FidelityResult] = []
        let generation = GenerationSettings(
            maxNewTokens: settings.maxNewTokens, sampling: .greedy, stopTokenIDs: tokenizer.endOfTurnIDs)
        let loaded = self.loaded

        func complete(_ job: Int, _ sequence: GenerationSequence?, _ error: (any Error)?) {
            let (d, c) = jobs[job]
            finished[d][c] = Outcome(
                generated: sequence?.generated ?? [], kept: sequence?.keptAfterPrompt ?? 0,
                kv: sequence?.plan.effective ?? grid[c],
                seconds: (sequence?.prefillSeconds ?? 0) + (sequence?.decodeSeconds ?? 0),
                kvBytes: sequence?.cache.peakBytes ?? 0,
                error: error.map { "\($0)" } ?? sequence?.failure?.description)
            remaining[d] -= 1
            progress?.advance(note: "\(documents[d].id) \(grid[c].label)")
            guard remaining[d] == 0 else { return }
            let results = score(documents[d], promptTokens: prompts[d].count, outcomes: finished[d].map { $0! })
            all += results
            record(results)
        }
        Scheduler(model: loaded.model, batchSize: settings.batchSize).run(
            count: jobs.count,
            make: { i in
                try GenerationSequence(
                    model: loaded.model, prompt: prompts[jobs[i].document], kv: grid[jobs[i].setting],
                    generation: generation, modelName: loaded.name)
            },
            finished: { i, s in complete(i, s, nil) },
            failed: { i, error in complete(i, nil, error) })
        progress?.finish()
        return all
    }

    /// One job's output before scoring.
    struct Outcome {
        var generated: [Int]
        var kept: Int
        var kv: KVSettings
        var seconds: Double
        var kvBytes: Int
        var error: String?
    }

    /// Scores one document's outputs (the first is the full cache's).
    func score(_ document: FidelityDocument, promptTokens: Int, outcomes: [Outcome]) -> [FidelityResult] {
        let rouge = Rouge(usesStemmer: settings.useStemmer)
        let stops = tokenizer.endOfTurnIDs
        func text(_ ids: [Int]) -> String {
            tokenizer.decode(ids, skipSpecial: true).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let full = outcomes[0]
        let fullIDs = full.generated.filter { !stops.contains($0) }
        let fullText = text(full.generated)
        return outcomes.map { o in
            let ids = o.generated.filter { !stops.contains($0) }
            let output = text(o.generated)
            var r = FidelityResult(
                id: document.id, kv: o.kv, promptTokens: promptTokens, keptTokens: o.kept,
                generatedTokens: o.generated.count, output: output, seconds: o.seconds, kvBytes: o.kvBytes,
                error: o.error)
            guard o.error == nil else { return r }
            if full.error == nil {
                r.rougeLVsFull = rouge.rougeL(target: fullText, prediction: output).f1
                r.commonPrefixTokens = zip(ids, fullIDs).prefix { $0 == $1 }.count
            }
            if let reference = document.reference {
                let s = rouge.scores(target: reference, prediction: output)
                r.rouge1 = s.rouge1.f1
                r.rouge2 = s.rouge2.f1
                r.rougeL = s.rougeL.f1
            }
            return r
        }
    }
}
