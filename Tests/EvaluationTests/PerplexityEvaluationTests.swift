import Foundation
import GGUF
import KVCaches
import LanguageModels
import Testing
import Tokenizers

@testable import Evaluation

/// A model whose perplexity can be worked out by hand.
///
/// Vocabulary `a b c d` (byte-level BPE, no merges, so each letter is one token). Every layer
/// weight is zero, so attention and the feed-forward add nothing and the residual stream is the
/// embedding: token t's embedding is 2·e_t, whose RMS is exactly 1 (ε = 0), so the normed state
/// is 2·e_t again and the logits are 2·W[·][t]. The model is a bigram table:
/// p(next = j | current = t) = softmax_j(2·W[j][t]), whatever the cache holds, so every policy
/// and budget gives the same number on the same scored tokens.
enum BigramModel {
    static let vocabulary = ["a", "b", "c", "d"]
    /// `transition[t][j]` = W[j][t]: halves, so 2·W is exact in fp32.
    static let transition: [[Double]] = [
        [1.5, -0.5, 0, 2],
        [0.5, 1, -1, 0],
        [-1, 2.5, 0.5, 0],
        [0, 0, 1, -2],
    ]

    static func file() -> String {
        let h = 4
        let v = vocabulary.count
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.add("llama.block_count", .uint32(1))
        w.add("llama.context_length", .uint32(256))
        w.add("llama.embedding_length", .uint32(UInt32(h)))
        w.add("llama.feed_forward_length", .uint32(8))
        w.add("llama.attention.head_count", .uint32(1))
        w.add("llama.attention.head_count_kv", .uint32(1))
        // The smallest epsilon a model may declare is still > 0 (issue 16 item 1); 1e-30 leaves
        // the norm of 2·e_t exactly 1 in fp32, as 0 did.
        w.add("llama.attention.layer_norm_rms_epsilon", .float32(1e-30))
        w.add("tokenizer.ggml.model", .string("gpt2"))
        w.add("tokenizer.ggml.pre", .string("default"))
        w.add("tokenizer.ggml.tokens", .array(vocabulary.map { .string($0) }))
        w.add("tokenizer.ggml.merges", .array([]))
        func zeros(_ n: Int) -> [Float] { Array(repeating: 0, count: n) }
        // token_embd: row t (h floats) = 2·e_t.
        w.addTensor(
            "token_embd.weight", dimensions: [h, v], floats: (0..<v).flatMap { t in (0..<h).map { $0 == t ? 2 : 0 } })
        w.addTensor("blk.0.attn_norm.weight", dimensions: [h], floats: zeros(h))
        w.addTensor("blk.0.attn_q.weight", dimensions: [h, h], floats: zeros(h * h))
        w.addTensor("blk.0.attn_k.weight", dimensions: [h, h], floats: zeros(h * h))
        w.addTensor("blk.0.attn_v.weight", dimensions: [h, h], floats: zeros(h * h))
        w.addTensor("blk.0.attn_output.weight", dimensions: [h, h], floats: zeros(h * h))
        w.addTensor("blk.0.ffn_norm.weight", dimensions: [h], floats: zeros(h))
        w.addTensor("blk.0.ffn_gate.weight", dimensions: [h, 8], floats: zeros(h * 8))
        w.addTensor("blk.0.ffn_up.weight", dimensions: [h, 8], floats: zeros(h * 8))
        w.addTensor("blk.0.ffn_down.weight", dimensions: [8, h], floats: zeros(8 * h))
        w.addTensor("output_norm.weight", dimensions: [h], floats: [1, 1, 1, 1])
        // output: row j (h floats), column t = W[j][t].
        w.addTensor(
            "output.weight", dimensions: [h, v],
            floats: (0..<v).flatMap { j in (0..<h).map { t in Float(transition[t][j]) } })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eval-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("bigram.gguf").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(w.bytes()))
        return path
    }

    /// exp(mean over i in `scored` of −log p(tokens[i+1] | tokens[i])), in Double.
    static func perplexity(_ tokens: [Int], scored: Range<Int>) -> Double {
        var nll = 0.0
        for i in scored {
            let logits = transition[tokens[i]].map { 2 * $0 }
            let m = logits.max()!
            let lse = m + log(logits.reduce(0) { $0 + exp($1 - m) })
            nll += lse - logits[tokens[i + 1]]
        }
        return exp(nll / Double(scored.count))
    }
}

struct PerplexityEvaluationTests {
    static let text = "abcdabdcbadcabcdddacbbadcabdcabcdaabbccddcbadbcadcbacdabcdbcadbca"

    @Test func bigramModelPerplexityMatchesTheHandComputation() throws {
        let path = BigramModel.file()
        let file = try GGUFFile(path: path)
        let model = try LlamaModel(file: file)
        let tokenizer = try AutoTokenizer.load(from: file)
        let n = 48
        let tokens = try PerplexityEvaluation.tokens(of: Self.text, count: n, tokenizer: tokenizer, source: "text")
        // No BOS, one token per letter.
        #expect(tokens == Self.text.prefix(n).map { Int($0.asciiValue! - UInt8(ascii: "a")) })

        let grid = try KVSettings.evaluationGrid(
            policies: "recency,h2o_head,tova,roco,random", budgets: "0.5,0.25", strides: "4", seed: 3)
        let evaluation = PerplexityEvaluation(model: model, grid: grid)
        let report = try evaluation.run(tokens)
        #expect(report.tokens == n)
        // full, full at each of 2 budgets (same scored tokens), 5 policies × 2 budgets.
        #expect(report.results.count == 1 + 2 + 10)

        let full = try #require(report.results.first)
        #expect(full.policy == "full" && full.fraction == 1 && full.scoredTokens == n - 1 && full.keptTokens == n)
        let expectedFull = BigramModel.perplexity(tokens, scored: 0..<(n - 1))
        #expect(abs(full.ppl - expectedFull) < 1e-6, "full: \(full.ppl) vs \(expectedFull)")
        #expect(abs(full.ppl - exp(full.negativeLogLikelihood / Double(full.scoredTokens))) < 1e-12)

        for row in report.results.dropFirst() {
            // Budgeted runs score the logits of positions rIdx…N−2 (EASYKV-SPEC §6).
            let plan = try #require(
                try StridePlan.perplexity(
                    promptLength: n, budget: .fraction(row.fraction), stride: 4, recentRatio: 0.1, sink: 4))
            let expected = BigramModel.perplexity(tokens, scored: plan.rIdx..<(n - 1))
            #expect(row.scoredTokens == n - 1 - plan.rIdx, "\(row.kv.label)")
            #expect(abs(row.ppl - expected) < 1e-6, "\(row.kv.label): \(row.ppl) vs \(expected)")
            if row.policy == "full" {
                #expect(row.keptTokens == n)
            } else {
                #expect(row.keptTokens == plan.idx, "\(row.kv.label) keeps idx entries")
                #expect(row.keptTokens < n)
            }
        }
        // The by-hand numbers differ between the two ranges, so a wrong range would show.
        #expect(abs(expectedFull - BigramModel.perplexity(tokens, scored: 4..<(n - 1))) > 1e-3)
    }

    @Test func reportTablesCarryEveryRow() throws {
        let report = PerplexityReport(
            tokens: 100,
            results: [
                PerplexityRow(
                    kv: .full(stride: 8), ppl: 10, keptTokens: 100, scoredTokens: 99, negativeLogLikelihood: 1,
                    seconds: 1, kvBytes: 1000),
                PerplexityRow(
                    kv: .encoding(policy: .full, budget: .fraction(0.5), stride: 8), ppl: 9.5, keptTokens: 100,
                    scoredTokens: 92, negativeLogLikelihood: 1, seconds: 1, kvBytes: 1000),
                PerplexityRow(
                    kv: .encoding(policy: .roco, budget: .fraction(0.5), stride: 8), ppl: 9.75, keptTokens: 56,
                    scoredTokens: 92, negativeLogLikelihood: 1, seconds: 0.5, kvBytes: 560),
            ])
        let table = EvaluationReport.perplexityTable(report)
        #expect(table.contains("| full, same scored tokens | 10.000 | 9.500 |"))
        #expect(table.contains("| roco | 10.000 | 9.750 |"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"tokens\":100") && json.contains("\"kept_tokens\":56") && json.contains("\"ppl\":9.75"))
        #expect(json.contains("\"kv_type\":\"f32\""))
        #expect(
            json.contains("\"policy\":\"roco\"") && json.contains("\"budget\":0.5") && json.contains("\"kv_bytes\":560")
        )
    }

    @Test func tooFewTokensIsAnErrorNamingTheFile() throws {
        let file = try GGUFFile(path: BigramModel.file())
        let tokenizer = try AutoTokenizer.load(from: file)
        #expect(throws: EvaluationError.tooShort("notes.txt: 4 tokens, fewer than the 10 asked for (--tokens)")) {
            try PerplexityEvaluation.tokens(of: "abcd", count: 10, tokenizer: tokenizer, source: "notes.txt")
        }
    }
}
