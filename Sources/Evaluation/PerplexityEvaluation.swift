import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One perplexity measurement: a row of `eval ppl --json`.
public struct PerplexityRow: Sendable, Encodable, Equatable, EvaluationResult {
    /// What ran; `policy`, `budget` and `stride` in the JSON row.
    public var kv: KVSettings
    public var ppl: Double
    /// Entries per (layer, head) at the end.
    public var keptTokens: Int
    public var scoredTokens: Int
    public var negativeLogLikelihood: Double
    /// Wall seconds of the measurement and the peak KV bytes.
    public var seconds: Double
    public var kvBytes: Int

    enum CodingKeys: String, CodingKey {
        case kvType = "kv_type"
        case policy, budget, stride, ppl, seconds
        case keptTokens = "kept_tokens"
        case scoredTokens = "scored_tokens"
        case negativeLogLikelihood = "nll"
        case kvBytes = "kv_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(policy, forKey: .policy)
        try c.encode(fraction, forKey: .budget)
        try c.encode(stride, forKey: .stride)
        try c.encode(kvType, forKey: .kvType)
        try c.encode(ppl, forKey: .ppl)
        try c.encode(keptTokens, forKey: .keptTokens)
        try c.encode(scoredTokens, forKey: .scoredTokens)
        try c.encode(negativeLogLikelihood, forKey: .negativeLogLikelihood)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(kvBytes, forKey: .kvBytes)
    }
}

/// What `eval ppl --json` prints: `{"tokens": N, "results": [...]}`.
public struct PerplexityReport: Sendable, Encodable, Equatable {
    public var tokens: Int
    public var results: [PerplexityRow]
}

/// Perplexity of a text's first N tokens (tokenized without special tokens, no BOS) under the
/// full cache and under each policy × budget × stride (EasyKV's `ppl` mode, EASYKV-SPEC §6):
/// `exp` of the mean negative log-likelihood of the scored tokens, each given the cache the
/// earlier ones left.
public struct PerplexityEvaluation {
    public let model: any LanguageModel
    /// The full cache first, then each budgeted setting (`KVSettings.evaluationGrid`).
    public let grid: [KVSettings]

    public init(model: any LanguageModel, grid: [KVSettings]) {
        self.model = model
        self.grid = grid
    }

    /// The first `count` tokens of `text`, without BOS or special-token parsing.
    public static func tokens(of text: String, count: Int, tokenizer: any Tokenizer, source: String)
        throws(EvaluationError)
        -> [Int]
    {
        guard count >= 2 else { throw EvaluationError.invalidSetting("--tokens must be at least 2") }
        let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
        guard ids.count >= count else {
            throw EvaluationError.tooShort(
                "\(source): \(ids.count) tokens, fewer than the \(count) asked for (--tokens)")
        }
        return Array(ids[..<count])
    }

    /// The grid's settings plus, after the full cache, the full cache scored on the same tokens as
    /// the budgeted runs (policy `full` under each budget's stride plan).
    ///
    /// Budgeted runs score only the positions from the end of the stride plan's first forward
    /// (`r_idx`) on, leaving out the first, least predictable tokens, so their perplexity is not
    /// directly comparable with the full cache's over every token. The `full` policy under the
    /// same plan evicts nothing and scores the same positions: the like-for-like baseline.
    public var settings: [KVSettings] {
        var out: [KVSettings] = []
        for kv in grid {
            out.append(kv)
            if kv.mode == .full {
                var seen = Set<KVSettings>()
                for b in grid where b.mode != .full && b.formatLabel == kv.formatLabel {
                    var matched = KVSettings.encoding(policy: .full, budget: b.budget, stride: b.stride, seed: b.seed)
                    matched.keyFormat = b.keyFormat
                    matched.valueFormat = b.valueFormat
                    if seen.insert(matched).inserted { out.append(matched) }
                }
            }
        }
        return out
    }

    /// Measures every setting; `record` receives each row as it is done.
    public func run(_ tokens: [Int], progress: EvaluationProgress? = nil, record: (PerplexityRow) -> Void = { _ in })
        throws(EvaluationError) -> PerplexityReport
    {
        guard tokens.count <= model.configuration.contextLength else {
            throw EvaluationError.invalidSetting(
                "--tokens: \(tokens.count) exceeds the model's context of \(model.configuration.contextLength)")
        }
        var rows: [PerplexityRow] = []
        for kv in settings {
            let start = DispatchTime.now().uptimeNanoseconds
            let result: PerplexityResult
            do { result = try model.perplexity(of: tokens, kv: kv) } catch {
                throw EvaluationError.model("\(kv.label): \(error)")
            }
            let row = PerplexityRow(
                kv: kv, ppl: result.perplexity, keptTokens: result.keptTokens, scoredTokens: result.scoredTokens,
                negativeLogLikelihood: result.negativeLogLikelihood,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, kvBytes: result.kvBytes)
            rows.append(row)
            record(row)
            progress?.advance(note: "\(kv.label) ppl \(String(format: "%.3f", row.ppl))")
        }
        progress?.finish()
        return PerplexityReport(tokens: tokens.count, results: rows)
    }
}
