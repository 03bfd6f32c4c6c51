import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One passkey case under one KV configuration: a JSON Lines record.
public struct PasskeyResult: Sendable, Codable, Equatable {
    public var id: String
    /// The requested prompt length in tokens.
    public var length: Int
    public var promptTokens: Int
    public var depth: Double
    public var key: String
    public var policy: String
    public var budget: Double
    public var stride: Int
    public var keptTokens: Int
    public var answer: String
    public var correct: Bool
    public var generatedTokens: Int
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, length, depth, key, policy, budget, stride, answer, correct, error
        case promptTokens = "prompt_tokens"
        case keptTokens = "kept_tokens"
        case generatedTokens = "generated_tokens"
    }
}

/// The passkey test (EASYKV-SPEC §10) over lengths × depths × keys, each under the full cache
/// and every policy × budget × stride. The score is exact containment of the key's digits in
/// the answer (the reference leaves judging to a person).
public struct PasskeyEvaluation {
    public struct Settings: Sendable {
        /// Prompt lengths in tokens.
        public var lengths: [Int]
        /// Needle depths as fractions of the filler.
        public var depths: [Double]
        /// Keys (prompts) per length and depth.
        public var keys: Int
        public var seed: UInt64
        public var maxNewTokens: Int
        public var batchSize: Int
        public var grid: KVGrid
        /// Filler text for the needle-in-a-haystack variant; nil for EasyKV's filler lines.
        public var haystack: String?

        public init(
            lengths: [Int], depths: [Double], keys: Int, seed: UInt64 = 0, maxNewTokens: Int = 8, batchSize: Int = 4,
            grid: KVGrid, haystack: String? = nil
        ) {
            self.lengths = lengths
            self.depths = depths
            self.keys = keys
            self.seed = seed
            self.maxNewTokens = maxNewTokens
            self.batchSize = batchSize
            self.grid = grid
            self.haystack = haystack
        }
    }

    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let settings: Settings

    public init(model: LlamaModel, tokenizer: any Tokenizer, settings: Settings) throws(EvaluationError) {
        guard !settings.lengths.isEmpty, settings.lengths.allSatisfy({ $0 > 0 }) else {
            throw EvaluationError.invalidSetting("--lengths: give positive prompt lengths in tokens")
        }
        guard !settings.depths.isEmpty, settings.depths.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw EvaluationError.invalidSetting("--depths: give needle depths in [0, 1]")
        }
        guard settings.keys >= 1 else { throw EvaluationError.invalidSetting("--keys must be at least 1") }
        guard settings.maxNewTokens >= 1 else {
            throw EvaluationError.invalidSetting("--max-tokens must be at least 1")
        }
        let longest = settings.lengths.max()! + settings.maxNewTokens
        guard longest <= model.configuration.contextLength else {
            throw EvaluationError.invalidSetting(
                "--lengths: \(settings.lengths.max()!) tokens plus \(settings.maxNewTokens) generated exceed the model's context of \(model.configuration.contextLength)"
            )
        }
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
    }

    /// The prompts: every length × depth × key, with the key from the seed.
    public func prompts() throws(EvaluationError) -> [(id: String, length: Int, depth: Double, prompt: PasskeyPrompt)] {
        let tokenizer = self.tokenizer
        let tokenize: @Sendable (String) -> [Int] = { tokenizer.encode($0, addSpecial: true, parseSpecial: false) }
        let builder =
            try settings.haystack.map { (h) throws(EvaluationError) in
                try PasskeyPromptBuilder.haystack(h, tokenize: tokenize)
            }
            ?? PasskeyPromptBuilder.passkey(tokenize: tokenize)
        var out: [(String, Int, Double, PasskeyPrompt)] = []
        for length in settings.lengths {
            for depth in settings.depths {
                for k in 0..<settings.keys {
                    let key = PasskeyKeys.key(seed: settings.seed, length: length, depth: depth, index: k)
                    let prompt = try builder.build(targetTokens: length, depth: depth, key: key)
                    out.append(("len\(length)-d\(depth)-k\(k)", length, depth, prompt))
                }
            }
        }
        return out
    }

    /// Runs every case; `record` receives each result as it finishes (in finishing order).
    public func run(progress: EvaluationProgress? = nil, record: (PasskeyResult) -> Void = { _ in })
        throws(EvaluationError)
        -> [PasskeyResult]
    {
        let prompts = try prompts()
        let configurations = settings.grid.configurations
        // Cases of one prompt run next to each other, so a batch shares its prompt's length.
        let jobs = prompts.indices.flatMap { p in configurations.map { (prompt: p, configuration: $0) } }
        var results = [PasskeyResult?](repeating: nil, count: jobs.count)
        let generation = GenerationSettings(
            maxNewTokens: settings.maxNewTokens, sampling: .greedy, stopTokenIDs: tokenizer.endOfTurnIDs)
        let model = self.model
        let seed = settings.seed
        func result(_ i: Int, answer: String, kept: Int, generated: Int, error: String?) -> PasskeyResult {
            let (id, length, depth, prompt) = prompts[jobs[i].prompt]
            let c = jobs[i].configuration
            return PasskeyResult(
                id: id, length: length, promptTokens: prompt.tokens.count, depth: depth, key: prompt.key,
                policy: c.isFull ? "full" : c.policy.rawValue, budget: c.isFull ? 1 : c.budget, stride: c.stride,
                keptTokens: kept, answer: answer, correct: error == nil && answer.contains(prompt.key),
                generatedTokens: generated, error: error)
        }
        do {
            try GenerationBatch(model: model, batchSize: settings.batchSize).run(
                count: jobs.count,
                make: { i in
                    let kv = jobs[i].configuration.settings(seed: seed)
                    return try GenerationSequence(
                        model: model, prompt: prompts[jobs[i].prompt].prompt.tokens, kv: kv, generation: generation)
                },
                finished: { i, sequence in
                    let answer = tokenizer.decode(sequence.generated, skipSpecial: true)
                    let r = result(
                        i, answer: answer, kept: sequence.keptAfterPrompt, generated: sequence.generated.count,
                        error: nil)
                    results[i] = r
                    record(r)
                    progress?.advance(note: "\(r.id) \(jobs[i].configuration) \(r.correct ? "✓" : "✗")")
                },
                failed: { i, error in
                    let r = result(i, answer: "", kept: 0, generated: 0, error: "\(error)")
                    results[i] = r
                    record(r)
                    progress?.advance(note: "\(r.id) \(jobs[i].configuration) failed")
                })
        } catch {
            throw EvaluationError.model(error.description)
        }
        progress?.finish()
        return results.compactMap { $0 }
    }

    /// Number of (prompt, configuration) cases a run makes.
    public var caseCount: Int {
        settings.lengths.count * settings.depths.count * settings.keys * settings.grid.configurations.count
    }
}
