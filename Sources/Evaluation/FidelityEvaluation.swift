import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One document's output under one KV configuration, compared with the full-cache output (and
/// with the reference when there is one): a JSON Lines record.
public struct FidelityResult: Sendable, Codable, Equatable {
    public var id: String
    public var policy: String
    public var budget: Double
    public var stride: Int
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
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, policy, budget, stride, output, error
        case promptTokens = "prompt_tokens"
        case keptTokens = "kept_tokens"
        case generatedTokens = "generated_tokens"
        case rougeLVsFull = "rouge_l_vs_full"
        case commonPrefixTokens = "common_prefix_tokens"
        case rouge1 = "rouge_1"
        case rouge2 = "rouge_2"
        case rougeL = "rouge_l"
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
        public var grid: KVGrid
        public var seed: UInt64
        public var useStemmer: Bool

        public init(
            template: String = FidelityEvaluation.defaultTemplate, useChatTemplate: Bool = true,
            maxNewTokens: Int = 128,
            batchSize: Int = 4, grid: KVGrid, seed: UInt64 = 0, useStemmer: Bool = false
        ) {
            self.template = template
            self.useChatTemplate = useChatTemplate
            self.maxNewTokens = maxNewTokens
            self.batchSize = batchSize
            self.grid = grid
            self.seed = seed
            self.useStemmer = useStemmer
        }
    }

    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let settings: Settings
    let chat: ChatTemplate?

    public init(model: LlamaModel, tokenizer: any Tokenizer, settings: Settings) throws(EvaluationError) {
        guard settings.template.contains("{document}") else {
            throw EvaluationError.invalidSetting("--template must contain {document}")
        }
        guard settings.maxNewTokens >= 1 else {
            throw EvaluationError.invalidSetting("--max-tokens must be at least 1")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        chat = settings.useChatTemplate ? try? ChatTemplate(file: model.file, tokenizer: tokenizer) : nil
    }

    /// The prompt tokens for `document`.
    public func prompt(for document: FidelityDocument) throws(EvaluationError) -> [Int] {
        let message = settings.template.replacing("{document}", with: document.text)
        if let chat {
            do { return try chat.encode([.user(message)], with: tokenizer) } catch {
                throw EvaluationError.model("\(document.id): \(error)")
            }
        }
        return tokenizer.encode(message, addSpecial: true, parseSpecial: false)
    }

    /// Runs every document under every configuration; `record` receives a document's results
    /// (full cache first) once all of them are done.
    public func run(
        _ documents: [FidelityDocument], progress: EvaluationProgress? = nil,
        record: ([FidelityResult]) -> Void = { _ in }
    ) throws(EvaluationError) -> [FidelityResult] {
        let configurations = settings.grid.configurations
        var prompts: [[Int]] = []
        for d in documents {
            let p = try prompt(for: d)
            guard p.count + settings.maxNewTokens <= model.configuration.contextLength else {
                throw EvaluationError.tooShort(
                    "\(d.id): prompt of \(p.count) tokens plus \(settings.maxNewTokens) generated exceeds the model's context of \(model.configuration.contextLength)"
                )
            }
            prompts.append(p)
        }
        let jobs = documents.indices.flatMap { d in configurations.indices.map { (document: d, configuration: $0) } }
        var finished = [[(generated: [Int], kept: Int, error: String?)?]](
            repeating: [_?](repeating: nil, count: configurations.count), count: documents.count)
        var remaining = [Int](repeating: configurations.count, count: documents.count)
        var all: [FidelityResult] = []
        let generation = GenerationSettings(
            maxNewTokens: settings.maxNewTokens, sampling: .greedy, stopTokenIDs: tokenizer.endOfTurnIDs)
        let model = self.model
        let seed = settings.seed

        func complete(_ job: Int, _ outcome: (generated: [Int], kept: Int, error: String?)) {
            let (d, c) = jobs[job]
            finished[d][c] = outcome
            remaining[d] -= 1
            progress?.advance(note: "\(documents[d].id) \(configurations[c])")
            guard remaining[d] == 0 else { return }
            let results = score(
                documents[d], promptTokens: prompts[d].count, outcomes: finished[d].map { $0! }, configurations)
            all += results
            record(results)
        }
        do {
            try GenerationBatch(model: model, batchSize: settings.batchSize).run(
                count: jobs.count,
                make: { i in
                    try GenerationSequence(
                        model: model, prompt: prompts[jobs[i].document],
                        kv: configurations[jobs[i].configuration].settings(seed: seed),
                        generation: generation)
                },
                finished: { i, s in complete(i, (s.generated, s.keptAfterPrompt, nil)) },
                failed: { i, error in complete(i, ([], 0, "\(error)")) })
        } catch {
            throw EvaluationError.model(error.description)
        }
        progress?.finish()
        return all
    }

    /// Scores one document's outputs (the first configuration is the full cache).
    func score(
        _ document: FidelityDocument, promptTokens: Int, outcomes: [(generated: [Int], kept: Int, error: String?)],
        _ configurations: [KVConfiguration]
    ) -> [FidelityResult] {
        let rouge = Rouge(usesStemmer: settings.useStemmer)
        let stops = tokenizer.endOfTurnIDs
        func text(_ ids: [Int]) -> String {
            tokenizer.decode(ids, skipSpecial: true).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let full = outcomes[0]
        let fullIDs = full.generated.filter { !stops.contains($0) }
        let fullText = text(full.generated)
        return zip(configurations, outcomes).map { c, o in
            let ids = o.generated.filter { !stops.contains($0) }
            let output = text(o.generated)
            var r = FidelityResult(
                id: document.id, policy: c.isFull ? "full" : c.policy.rawValue, budget: c.isFull ? 1 : c.budget,
                stride: c.stride, promptTokens: promptTokens, keptTokens: o.kept, generatedTokens: o.generated.count,
                output: output, error: o.error)
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
