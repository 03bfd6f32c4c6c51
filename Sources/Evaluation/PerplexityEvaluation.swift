import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One perplexity measurement: a row of `eval ppl --json`.
public struct PerplexityRow: Sendable, Codable, Equatable {
    public var policy: String
    public var budget: Double
    public var stride: Int
    public var ppl: Double
    /// Entries per (layer, head) at the end.
    public var keptTokens: Int
    public var scoredTokens: Int
    public var negativeLogLikelihood: Double

    enum CodingKeys: String, CodingKey {
        case policy, budget, stride, ppl
        case keptTokens = "kept_tokens"
        case scoredTokens = "scored_tokens"
        case negativeLogLikelihood = "nll"
    }
}

/// What `eval ppl --json` prints: `{"tokens": N, "results": [...]}`.
public struct PerplexityReport: Sendable, Codable, Equatable {
    public var tokens: Int
    public var results: [PerplexityRow]
}

/// Perplexity of a text's first N tokens (tokenized without special tokens, no BOS) under the
/// full cache and under each policy × budget × stride (EasyKV's `ppl` mode, EASYKV-SPEC §6):
/// `exp` of the mean negative log-likelihood of the scored tokens, each given the cache the
/// earlier ones left.
public struct PerplexityEvaluation {
    public let model: LlamaModel
    public let grid: KVGrid
    public let seed: UInt64

    public init(model: LlamaModel, grid: KVGrid, seed: UInt64 = 0) {
        self.model = model
        self.grid = grid
        self.seed = seed
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

    /// The grid's configurations with their settings, plus, for each budget and stride, the full
    /// cache scored on the same tokens as the budgeted runs (policy `full` at that budget).
    ///
    /// Budgeted runs score only the positions from the end of the stride plan's first forward
    /// (`r_idx`) on, leaving out the first, least predictable tokens, so their perplexity is not
    /// directly comparable with the full cache's over every token. The `full` policy under the
    /// same plan evicts nothing and scores the same positions: the like-for-like baseline.
    public var configurations: [(KVConfiguration, KVSettings)] {
        var out: [(KVConfiguration, KVSettings)] = []
        for c in grid.configurations {
            if c.isFull {
                out.append((c, c.settings(seed: seed)))
                for budget in grid.budgets where budget < 1 {
                    for stride in grid.strides {
                        out.append(
                            (
                                KVConfiguration(policy: .full, budget: budget, stride: stride),
                                KVSettings(
                                    mode: .encoding, budget: .fraction(budget), stride: stride, policy: .full,
                                    seed: seed)
                            ))
                    }
                }
            } else {
                out.append((c, c.settings(seed: seed)))
            }
        }
        return out
    }

    /// Measures every configuration; `record` receives each row as it is done.
    public func run(_ tokens: [Int], progress: EvaluationProgress? = nil, record: (PerplexityRow) -> Void = { _ in })
        throws(EvaluationError) -> PerplexityReport
    {
        guard tokens.count <= model.configuration.contextLength else {
            throw EvaluationError.invalidSetting(
                "--tokens: \(tokens.count) exceeds the model's context of \(model.configuration.contextLength)")
        }
        var rows: [PerplexityRow] = []
        for (c, kv) in configurations {
            let result: PerplexityResult
            do { result = try model.perplexity(of: tokens, kv: kv) } catch {
                throw EvaluationError.model("\(c): \(error)")
            }
            let row = PerplexityRow(
                policy: c.policy.rawValue, budget: c.budget, stride: c.stride,
                ppl: result.perplexity, keptTokens: result.keptTokens, scoredTokens: result.scoredTokens,
                negativeLogLikelihood: result.negativeLogLikelihood)
            rows.append(row)
            record(row)
            progress?.advance(note: "\(row.policy)@\(row.budget)/s\(row.stride) ppl \(String(format: "%.3f", row.ppl))")
        }
        progress?.finish()
        return PerplexityReport(tokens: tokens.count, results: rows)
    }
}
