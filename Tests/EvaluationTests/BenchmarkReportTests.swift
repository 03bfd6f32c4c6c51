import Foundation
import LanguageModels
import Testing

@testable import Evaluation

/// `easykv bench`'s bookkeeping: case names (the contract with tools/bench/llama_baseline.py),
/// baselines and naive references, ratios and targets.
struct BenchmarkReportTests {
    static func measurement(_ tokensPerSecond: Double, kept: Int = 0) throws -> BenchmarkMeasurement {
        let kv = try JSONDecoder().decode(
            KVUsage.self,
            from: Data(
                """
                {"prompt_tokens": \(kept), "kept_tokens": \(kept), "peak_slots": \(kept), "kv_bytes": \(kept * 1000),
                 "allocated_bytes": \(kept * 1200), "evictions": 0}
                """.utf8))
        return BenchmarkMeasurement(tokensPerSecond: tokensPerSecond, seconds: 1, kv: kv)
    }

    @Test func caseNamesAndBaselineKeys() {
        let budgeted = BenchmarkCase.prefill(7000, stride: 512, .prompt(0.25))
        #expect(budgeted.id == "prefill/p7000/s512/b0.25")
        #expect(budgeted.baselineKey == "prefill/p7000/s512")  // llama.cpp has no budget: its full cache
        let decode = BenchmarkCase.decode(depth: 2048, .total(256))
        #expect(decode.id == "decode/d2048/tg128/kv256")
        #expect(decode.baselineKey == "decode/d2048/tg128")
        let batch = BenchmarkCase.decode(depth: 16, batch: 4)
        #expect(batch.id == "decode/d16/tg128/full/x4")
        #expect(batch.baselineKey == "decode/d16/tg128/x4")
        // The naive references: fp32 decode over 32 steps, stride-512 full-cache prefill.
        #expect(batch.naiveReference?.id == "decode/d16/tg32/full/x4/fp32")
        #expect(budgeted.naiveReference == .prefill(7000, stride: 512))
        #expect(BenchmarkCase.prefill(512, stride: 512).naiveReference == nil)
    }

    @Test func plansCoverTheIssueMatrix() {
        let prefill = BenchmarkPlan.full.filter { $0.kind == .prefill }
        #expect(prefill.count == 3 * 4 * 3)
        #expect(Set(prefill.map(\.stride)) == [8, 64, 256, 512])
        #expect(Set(prefill.map(\.promptTokens)) == [512, 2048, 7000])
        #expect(Set(BenchmarkPlan.full.filter { $0.kind == .decode }.map(\.batch)) == [1, 4, 8])
        // Quick keeps every figure a target needs.
        for c in [
            BenchmarkCase.prefill(512, stride: 8), .prefill(512, stride: 512),
            .prefill(7000, stride: 512, .prompt(0.25)),
        ] {
            #expect(BenchmarkPlan.quick.contains(c))
        }
        #expect(Set(BenchmarkPlan.quick).isSubset(of: Set(BenchmarkPlan.full)))
    }

    @Test func figuresPreferLlamaThenTheNaiveReference() throws {
        let decode = BenchmarkCase.decode(depth: 16)
        let budgeted = BenchmarkCase.prefill(7000, stride: 512, .prompt(0.25))
        let baseline = BenchmarkBaseline(tool: "llama.cpp", figures: ["decode/d16/tg128": 160])
        let cases = BenchmarkPlan.withReferences([decode, budgeted], baseline: baseline.figures)
        // Only the prefill lacks a llama.cpp figure, so only its reference is added.
        #expect(cases == [decode, budgeted, .prefill(7000, stride: 512)])
        let measured: [BenchmarkCase: BenchmarkMeasurement] = [
            decode: try Self.measurement(200), budgeted: try Self.measurement(300, kept: 1750),
            .prefill(7000, stride: 512): try Self.measurement(120, kept: 7000),
        ]
        let figures = BenchmarkReport.figures([decode, budgeted], measured: measured, baseline: baseline)
        #expect(figures.map(\.id) == ["decode/d16/tg128/full", "prefill/p7000/s512/b0.25"])
        #expect(figures[0].baselineSource == "llama.cpp")
        #expect(figures[0].ratio == 1.25)
        #expect(figures[1].baselineSource == "ours:prefill/p7000/s512/full")
        #expect(figures[1].ratio == 2.5)
        #expect(figures[1].keptTokens == 1750)
    }

    @Test func targets() throws {
        let baseline = BenchmarkBaseline(
            tool: "llama.cpp", figures: ["prefill/p512/s512": 400, "prefill/p7000/s512": 200, "decode/d16/tg128": 160])
        let measured: [BenchmarkCase: BenchmarkMeasurement] = [
            .prefill(512, stride: 512): try Self.measurement(440), .prefill(512, stride: 8): try Self.measurement(100),
            .prefill(7000, stride: 512, .prompt(0.25)): try Self.measurement(280),
            .decode(depth: 16): try Self.measurement(150),
        ]
        let memory = BenchmarkMemoryProbe(
            promptTokens: 7000, budget: 0.25, modelBytes: 500 << 20, kvPlanBytes: 100 << 20, peakBytes: 660 << 20,
            overheadBytes: 60 << 20)
        let targets = BenchmarkReport.targets(measured: measured, baseline: baseline, memory: memory)
        #expect(targets.map(\.value) == [1.1, 1.4, 150.0 / 160, 4.4, 60])
        #expect(targets.map(\.met) == [true, false, false, true, true])
        // Without llama.cpp the comparisons are not measured rather than failed.
        let alone = BenchmarkReport.targets(measured: measured, baseline: nil, memory: nil)
        #expect(alone.map(\.met) == [nil, nil, nil, true, nil])
    }

    @Test func baselineFileErrorsNameTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-baseline-\(getpid()).json").path
        #expect(throws: EvaluationError.self) { try BenchmarkBaseline.load(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"figures\": 3}".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try BenchmarkBaseline.load(path)
            Issue.record("a malformed baseline loaded")
        } catch {
            #expect("\(error)".contains(path))
        }
        let good = #"{"tool": "llama.cpp", "figures": {"prefill/p512/s512": 431.5}, "memory": {"memory/p7000": 5}}"#
        #expect(FileManager.default.createFile(atPath: path, contents: Data(good.utf8)))
        let loaded = try BenchmarkBaseline.load(path)
        #expect(loaded.figures["prefill/p512/s512"] == 431.5)
        #expect(loaded.memory?["memory/p7000"] == 5)
    }

    /// The ceiling counts SmolLM2's projections exactly: per layer 576 inputs into Q/K/V
    /// (576 + 2·192), 576 → 576, 576 → 2·1536 (gate and up) and 1536 → 576, two FLOPs per
    /// multiply-add, 30 layers; and its tokens/s is FLOP/s over FLOP/token.
    @Test func prefillCeilingCountsTheProjections() {
        let smol = ModelConfiguration(
            layerCount: 30, contextLength: 8192, hiddenSize: 576, feedForwardSize: 1536, headCount: 9,
            kvHeadCount: 3, vocabSize: 49152)
        let ceiling = PrefillCeiling.measure(smol, rows: 16, repeats: 1)
        let perLayer = 576 * (576 + 2 * 192) + 576 * 576 + 576 * 2 * 1536 + 1536 * 576
        #expect(ceiling.flopsPerToken == Double(2 * perLayer * 30))
        #expect(ceiling.flopsPerToken == 212_336_640)
        #expect(abs(ceiling.tokensPerSecond * ceiling.flopsPerToken / ceiling.flopsPerSecond - 1) < 1e-12)
        #expect(ceiling.rows == 16)
    }
}
