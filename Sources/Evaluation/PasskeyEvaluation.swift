import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One passkey case under one KV setting: a JSON Lines record.
public struct PasskeyResult: Sendable, Encodable, Equatable, EvaluationResult {
    public var id: String
    /// The requested prompt length in tokens.
    public var length: Int
    public var promptTokens: Int
    public var depth: Double
    public var key: String
    /// What ran (`KVPlan.effective`); `policy`, `budget` and `stride` in the JSON line.
    public var kv: KVSettings
    public var keptTokens: Int
    public var answer: String
    public var correct: Bool
    public var generatedTokens: Int
    /// Model seconds attributed to the case (prefill + decode) and its peak KV bytes.
    public var seconds: Double
    public var kvBytes: Int
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case kvType = "kv_type"
        case id, length, depth, key, policy, budget, stride, answer, correct, error, seconds
        case promptTokens = "prompt_tokens"
        case keptTokens = "kept_tokens"
        case generatedTokens = "generated_tokens"
        case kvBytes = "kv_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(length, forKey: .length)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(depth, forKey: .depth)
        try c.encode(key, forKey: .key)
        try c.encode(policy, forKey: .policy)
        try c.encode(fraction, forKey: .budget)
        try c.encode(stride, forKey: .stride)
        try c.encode(kvType, forKey: .kvType)
        try c.encode(keptTokens, forKey: .keptTokens)
        try c.encode(answer, forKey: .answer)
        try c.encode(correct, forKey: .correct)
        try c.encode(generatedTokens, forKey: .generatedTokens)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(kvBytes, forKey: .kvBytes)
        try c.encodeIfPresent(error, forKey: .error)
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
        /// The full cache first, then each budgeted setting (`KVSettings.evaluationGrid`).
        public var grid: [KVSettings]
        /// Filler text for the needle-in-a-haystack variant; nil for EasyKV's filler lines.
        public var haystack: String?

        public init(
            lengths: [Int], depths: [Double], keys: Int, seed: UInt64 = 0, maxNewTokens: Int = 8, batchSize: Int = 4,
            grid: [KVSettings], haystack: String? = nil
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

    public let loaded: LoadedModel
    public let settings: Settings
    var tokenizer: any Tokenizer { loaded.tokenizer }

    public init(loaded: LoadedModel, settings: Settings) throws(EvaluationError) {
        let model = loaded.model
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
        self.loaded = loaded
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
        let grid = settings.grid
        // Cases of one prompt run next to each other, so a batch shares its prompt's length.
        let jobs = prompts.indices.flatMap { p in grid.map { (prompt: p, kv: $0) } }
        var results = [PasskeyResult?](repeating: nil, count: jobs.count)
        let generation = GenerationSettings(
            maxNewTokens: settings.maxNewTokens, sampling: .greedy, stopTokenIDs: tokenizer.endOfTurnIDs)
        let loaded = self.loaded
        func finish(_ i: Int, _ sequence: GenerationSequence?, _ error: (any Error)?) {
            let (id, length, depth, prompt) = prompts[jobs[i].prompt]
            let failure = error.map { "\($0)" } ?? sequence?.failure?.description
            let answer = sequence.map { tokenizer.decode($0.generated, skipSpecial: true) } ?? ""
            let r = PasskeyResult(
                id: id, length: length, promptTokens: prompt.tokens.count, depth: depth, key: prompt.key,
                kv: sequence?.plan.effective ?? jobs[i].kv, keptTokens: sequence?.keptAfterPrompt ?? 0,
                answer: answer, correct: failure == nil && answer.contains(prompt.key),
                generatedTokens: sequence?.generated.count ?? 0,
                seconds: (sequence?.prefillSeconds ?? 0) + (sequence?.decodeSeconds ?? 0),
                kvBytes: sequence?.cache.peakBytes ?? 0, error: failure)
            results[i] = r
            record(r)
            progress?.advance(note: "\(r.id) \(jobs[i].kv.label) \(failure != nil ? "failed" : r.correct ? "✓" : "✗")")
        }
        Scheduler(model: loaded.model, batchSize: settings.batchSize).run(
            count: jobs.count,
            make: { i in
                try GenerationSequence(
                    model: loaded.model, prompt: prompts[jobs[i].prompt].prompt.tokens, kv: jobs[i].kv,
                    generation: generation, modelName: loaded.name)
            },
            finished: { i, sequence in finish(i, sequence, nil) },
            failed: { i, error in finish(i, nil, error) })
        progress?.finish()
        return results.compactMap { $0 }
    }

    /// Number of (prompt, configuration) cases a run makes.
    public var caseCount: Int {
        settings.lengths.count * settings.depths.count * settings.keys * settings.grid.count
    }
}
