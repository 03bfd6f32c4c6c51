import Foundation
import GGUF
import KVCaches
import LanguageModels
import Testing
import Tokenizers

@testable import Evaluation

/// The three evaluations end to end on the shipped model, at tiny sizes.
@Suite(.enabled(if: EvaluationFixtures.modelPath != nil, "needs the shipped model"), .serialized)
struct SmolLM2SmokeTests {
    static func load() throws -> (LlamaModel, any Tokenizer) {
        let file = try GGUFFile(path: EvaluationFixtures.modelPath!)
        return (try LlamaModel(file: file), try AutoTokenizer.load(from: file))
    }

    static func sampleText() throws -> String {
        let url = try #require(
            Bundle.module.url(forResource: "sample_text.txt", withExtension: nil, subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func passkey() throws {
        let (model, tokenizer) = try Self.load()
        let grid = try KVGrid(policies: "roco,recency", budgets: "0.5", strides: "32")
        let settings = PasskeyEvaluation.Settings(
            lengths: [200], depths: [0.5], keys: 1, seed: 1, maxNewTokens: 6, batchSize: 3, grid: grid)
        let evaluation = try PasskeyEvaluation(model: model, tokenizer: tokenizer, settings: settings)
        #expect(evaluation.caseCount == 3)
        var streamed: [PasskeyResult] = []
        let results = try evaluation.run { streamed.append($0) }
        #expect(results.count == 3 && streamed.count == 3)
        let full = try #require(results.first { $0.policy == "full" })
        // SmolLM2 finds the key in a 200-token prompt with the whole cache.
        #expect(full.correct, "answer: \(full.answer.debugDescription), key \(full.key)")
        #expect(full.keptTokens == full.promptTokens && full.promptTokens >= 200)
        for r in results where r.policy != "full" {
            #expect(r.keptTokens < r.promptTokens && r.budget == 0.5 && r.stride == 32)
            #expect(r.correct == r.answer.contains(r.key))
        }
        let line = String(decoding: try JSONEncoder().encode(full), as: UTF8.self)
        #expect(
            line.contains("\"prompt_tokens\":") && line.contains("\"kept_tokens\":") && !line.contains("promptTokens"))
    }

    @Test func fidelity() throws {
        let (model, tokenizer) = try Self.load()
        let grid = try KVGrid(policies: "roco", budgets: "0.5", strides: "32")
        let settings = FidelityEvaluation.Settings(maxNewTokens: 12, batchSize: 2, grid: grid)
        let evaluation = try FidelityEvaluation(model: model, tokenizer: tokenizer, settings: settings)
        let text = String(try Self.sampleText().prefix(1200))
        let document = FidelityDocument(id: "harbour", text: text, reference: "A harbour town with a lighthouse.")
        let results = try evaluation.run([document])
        #expect(results.map(\.policy) == ["full", "roco"])
        let full = results[0]
        #expect(full.generatedTokens >= 1 && full.error == nil)
        if !full.output.isEmpty {
            #expect(full.rougeLVsFull == 1)
        }
        let fullTokens = tokenizer.encode(full.output, addSpecial: false, parseSpecial: false)
        #expect(full.commonPrefixTokens ?? -1 >= min(fullTokens.count, 1))
        #expect(full.rouge1 != nil && full.rouge2 != nil && full.rougeL != nil)
        let roco = results[1]
        #expect(roco.keptTokens < roco.promptTokens && roco.rougeLVsFull != nil)
        #expect((roco.commonPrefixTokens ?? -1) >= 0 && (roco.commonPrefixTokens ?? .max) <= roco.generatedTokens)
    }

    @Test func perplexity() throws {
        let (model, tokenizer) = try Self.load()
        let tokens = try PerplexityEvaluation.tokens(
            of: try Self.sampleText(), count: 256, tokenizer: tokenizer, source: "sample")
        #expect(tokens.first != tokenizer.bosID)
        let grid = try KVGrid(policies: "tova", budgets: "0.5", strides: "32")
        let report = try PerplexityEvaluation(model: model, grid: grid).run(tokens)
        #expect(report.results.map(\.policy) == ["full", "full", "tova"])
        for row in report.results {
            // A 135M-parameter model on plain English: well above 1, far below the vocabulary size.
            #expect(row.ppl > 2 && row.ppl < 200, "\(row.policy)@\(row.budget): \(row.ppl)")
        }
        #expect(report.results[0].scoredTokens == 255)
        #expect(report.results[1].scoredTokens == report.results[2].scoredTokens)
        #expect(report.results[2].keptTokens < 256)
    }
}
