import Foundation
import KVCaches
import LanguageModels
import TestSupport
import Testing

@testable import Evaluation

/// The evaluations on the tiny model: every case's result is the same whatever the batch size
/// (the `Scheduler` never stacks a prompt stride with decode tokens), and each case runs under
/// the setting it names.
struct EvaluationBatchTests {
    static let grid: [KVSettings] =
        (try? KVSettings.evaluationGrid(
            policies: "recency,h2o_head,tova,roco,random", budgets: "0.5,0.25", strides: "16,48", seed: 5)) ?? []

    @Test func passkeyAtBatchFourEqualsBatchOne() throws {
        let loaded = try TinyModel.load()
        func run(_ batch: Int) throws -> [PasskeyResult] {
            let settings = PasskeyEvaluation.Settings(
                lengths: [160, 400], depths: [0.2, 0.8], keys: 1, seed: 2, maxNewTokens: 6, batchSize: batch,
                grid: Self.grid)
            return try PasskeyEvaluation(loaded: loaded, settings: settings).run().sorted {
                ($0.id, $0.kv.label) < ($1.id, $1.kv.label)
            }
        }
        let one = try run(1)
        let four = try run(4)
        #expect(one.count == 4 * Self.grid.count && four.count == one.count)
        for (a, b) in zip(one, four) {
            #expect(a.answer == b.answer && a.keptTokens == b.keptTokens && a.kv == b.kv, "\(a.id) \(a.kv.label)")
            #expect(a.generatedTokens == 6 || a.answer.isEmpty == false)
        }
        #expect(one.allSatisfy { $0.error == nil })
        // Budgets really evicted: kept tokens are the plan's, below the prompt.
        for r in one where r.kv.mode != .full {
            let plan = try r.kv.plan(promptLength: r.promptTokens, maxNewTokens: 6)
            #expect(r.keptTokens == plan.regime.plan?.idx, "\(r.id) \(r.kv.label)")
            #expect(r.keptTokens < r.promptTokens && r.kvBytes > 0)
        }
    }

    @Test func fidelityAtBatchFourEqualsBatchOne() throws {
        let loaded = try TinyModel.load()
        let documents = (0..<3).map { k in
            FidelityDocument(
                id: "d\(k)", text: String(repeating: "The harbour town \(k) has a lighthouse. ", count: 12))
        }
        func run(_ batch: Int) throws -> [FidelityResult] {
            let settings = FidelityEvaluation.Settings(
                useChatTemplate: false, maxNewTokens: 8, batchSize: batch, grid: Self.grid)
            return try FidelityEvaluation(loaded: loaded, settings: settings).run(documents)
        }
        let one = try run(1)
        let four = try run(4)
        #expect(one.count == 3 * Self.grid.count)
        #expect(one.map(\.output) == four.map(\.output))
        #expect(one.map(\.rougeLVsFull) == four.map(\.rougeLVsFull))
        #expect(one.map(\.kv) == four.map(\.kv))
        // The full cache against itself.
        #expect(one.contains { !$0.output.isEmpty })
        for r in one where r.kv.mode == .full {
            let stops = loaded.stopTokenIDs
            // ROUGE of an output against itself (0 when it has no word to count).
            #expect(r.rougeLVsFull == Rouge(usesStemmer: false).rougeL(target: r.output, prediction: r.output).f1)
            #expect(r.commonPrefixTokens == r.generatedTokens - (r.generatedTokens < 8 && !stops.isEmpty ? 1 : 0))
        }
    }
}

/// The evaluations on the shipped model, checked against transformers where a reference exists.
@Suite(.serialized) struct SmolLM2EvaluationTests {
    static func load() throws -> LoadedModel { try LoadedModel.load(path: try TestModel.require()) }

    /// Passkey at small sizes: the full cache finds every key, and batch 4 answers exactly as
    /// batch 1 (issue 13's acceptance) — budgets included.
    @Test func passkeyBatchOfFourEqualsBatchOfOne() throws {
        let loaded = try Self.load()
        let grid = try KVSettings.evaluationGrid(policies: "tova,roco", budgets: "0.5", strides: "32")
        func run(_ batch: Int) throws -> [PasskeyResult] {
            let settings = PasskeyEvaluation.Settings(
                lengths: [300], depths: [0.2, 0.8], keys: 1, seed: 1, maxNewTokens: 6, batchSize: batch, grid: grid)
            return try PasskeyEvaluation(loaded: loaded, settings: settings).run().sorted {
                ($0.id, $0.kv.label) < ($1.id, $1.kv.label)
            }
        }
        let one = try run(1)
        let four = try run(4)
        #expect(one.count == 6)
        #expect(one.map(\.answer) == four.map(\.answer))
        #expect(one.map(\.keptTokens) == four.map(\.keptTokens))
        for r in one where r.policy == "full" {
            #expect(r.correct, "answer: \(r.answer.debugDescription), key \(r.key)")
            #expect(r.keptTokens == r.promptTokens && r.promptTokens >= 300)
        }
        let line = String(decoding: try JSONEncoder().encode(one[0]), as: UTF8.self)
        #expect(line.contains("\"prompt_tokens\":") && line.contains("\"budget\":") && !line.contains("promptTokens"))
    }

    /// `eval ppl` on the 547-token fixture (`--exact`): the full cache equals transformers' perplexity, and
    /// the full cache on the budgeted runs' scored positions equals transformers' log-probabilities
    /// averaged over exactly those positions.
    @Test func perplexityMatchesTransformers() throws {
        let loaded = try LoadedModel.load(path: try TestModel.require(), options: LoadOptions(exact: true))
        let url = URL(
            fileURLWithPath: TestModel.repositoryRoot
                + "/Tests/LanguageModelsTests/Fixtures/forward/smollm2/p500_raw.json")
        let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let ids = try #require(fixture["prompt_ids"] as? [Int])
        let reference = try #require(fixture["perplexity"] as? [String: Any])
        let logprobs = try #require(reference["next_token_logprobs"] as? [Double])
        let grid = try KVSettings.evaluationGrid(policies: "tova", budgets: "0.5", strides: "32")
        let report = try PerplexityEvaluation(model: loaded.model, grid: grid).run(ids)
        #expect(report.results.map(\.policy) == ["full", "full", "tova"])
        func expected(from first: Int) -> Double {
            let slice = logprobs[first...]
            return exp(-slice.reduce(0, +) / Double(slice.count))
        }
        let full = report.results[0]
        #expect(full.scoredTokens == ids.count - 1)
        #expect(abs(full.ppl - expected(from: 0)) / expected(from: 0) < 1e-3, "\(full.ppl)")
        let rIdx = try #require(
            try StridePlan.perplexity(
                promptLength: ids.count, budget: .fraction(0.5), stride: 32, recentRatio: 0.1, sink: 4)
        ).rIdx
        let matched = report.results[1]
        #expect(matched.scoredTokens == ids.count - 1 - rIdx)
        #expect(abs(matched.ppl - expected(from: rIdx)) / expected(from: rIdx) < 1e-3, "\(matched.ppl)")
        let tova = report.results[2]
        #expect(tova.scoredTokens == matched.scoredTokens && tova.keptTokens < ids.count)
        // The default (int8 prefill) path stays within 1 % of it (issue 14).
        let int8 = try PerplexityEvaluation(model: try Self.load().model, grid: grid).run(ids)
        for (a, b) in zip(int8.results, report.results) {
            #expect(abs(a.ppl / b.ppl - 1) < 0.01, "\(a.ppl) vs \(b.ppl)")
        }
        // Evicting half the cache costs something, but on this text not much.
        #expect(tova.ppl > matched.ppl && tova.ppl < matched.ppl * 1.2, "\(tova.ppl) vs \(matched.ppl)")
    }
}
