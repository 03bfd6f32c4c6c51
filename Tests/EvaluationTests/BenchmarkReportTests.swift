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

    @Test func caseNamesAndBaselineKeys() throws {
        let budgeted = BenchmarkCase.prefill(7000, stride: 512, .prompt(0.25))
        #expect(budgeted.id == "prefill/p7000/s512/b0.25")
        #expect(budgeted.baselineKey == "prefill/p7000/s512")  // llama.cpp has no budget: its full cache
        let decode = BenchmarkCase.decode(depth: 2048, .total(256))
        #expect(decode.id == "decode/d2048/tg128/kv256")
        #expect(decode.baselineKey == "decode/d2048/tg128")
        let batch = BenchmarkCase.decode(depth: 16, batch: 4)
        #expect(batch.id == "decode/d16/tg128/full/x4")
        #expect(batch.baselineKey == "decode/d16/tg128/x4")
        // The naive references: fp32 decode over 8 steps, stride-512 full-cache prefill, and for
        // that one the fp32 prefill; the fp32 cases have none.
        #expect(batch.naiveReference?.id == "decode/d16/tg8/full/x4/fp32")
        #expect(budgeted.naiveReference == .prefill(7000, stride: 512))
        let fp32 = try #require(BenchmarkCase.prefill(512, stride: 512).naiveReference)
        #expect(fp32 == .prefill(512, stride: 512, quantized: false))
        #expect(fp32.id == "prefill/p512/s512/full/fp32")
        #expect(fp32.baselineKey == "prefill/p512/s512")
        #expect(fp32.naiveReference == nil)
        #expect(batch.naiveReference?.naiveReference == nil)
    }

    @Test func plansCoverTheIssueMatrix() {
        let prefill = BenchmarkPlan.full.cases.filter { $0.kind == .prefill }
        #expect(prefill.count == 3 * 4 * 3)
        #expect(Set(prefill.map(\.stride)) == [8, 64, 256, 512])
        #expect(Set(prefill.map(\.promptTokens)) == [512, 2048, 7000])
        #expect(Set(BenchmarkPlan.full.cases.filter { $0.kind == .decode }.map(\.batch)) == [1, 4, 8])
        // Quick keeps every figure a target needs.
        for c in [
            BenchmarkCase.prefill(512, stride: 8), .prefill(512, stride: 512),
            .prefill(7000, stride: 512, .prompt(0.25)),
        ] {
            #expect(BenchmarkPlan.quick.cases.contains(c))
        }
        #expect(Set(BenchmarkPlan.quick.cases).isSubset(of: Set(BenchmarkPlan.full.cases)))
        // Issue 14's large-model set: p512, then tg64 after those 512 tokens; the memory probe
        // runs that same work, under the key tools/bench/llama_baseline.py writes for it.
        #expect(BenchmarkPlan.large.cases.map(\.id) == ["prefill/p512/s512/full", "decode/d512/tg64/full"])
        #expect(BenchmarkPlan.large.cases.map(\.baselineKey) == ["prefill/p512/s512", "decode/d512/tg64"])
        #expect(BenchmarkPlan.large.memoryCase.id == "decode/d512/tg64/full")
        #expect(BenchmarkPlan.large.memoryKey == "memory/p512/tg64")
        #expect(BenchmarkPlan.quick.memoryCase.id == "prefill/p7000/s512/b0.25")
        #expect(BenchmarkPlan.quick.memoryKey == "memory/p7000")
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

    /// SmolLM2-135M: issue 9's targets with issue 14's stricter speed rows (prefill p512 ≥ 2.0×,
    /// decode ≥ 1.5×) and its memory row (peak ≤ 1.2× llama.cpp's).
    @Test func smallModelTargets() throws {
        let baseline = BenchmarkBaseline(
            tool: "llama.cpp", figures: ["prefill/p512/s512": 400, "prefill/p7000/s512": 200, "decode/d16/tg128": 160])
        let measured: [BenchmarkCase: BenchmarkMeasurement] = [
            .prefill(512, stride: 512): try Self.measurement(880), .prefill(512, stride: 8): try Self.measurement(200),
            .prefill(7000, stride: 512, .prompt(0.25)): try Self.measurement(280),
            .decode(depth: 16): try Self.measurement(232),
        ]
        let memory = BenchmarkMemoryProbe(
            figure: "prefill/p7000/s512/b0.25", fileBytes: 94 << 20, modelBytes: 500 << 20, kvPlanBytes: 100 << 20,
            peakBytes: 660 << 20)
        #expect(memory.overheadBytes == 60 << 20)
        let targets = BenchmarkTarget.targets(
            scale: .small, measured: measured, baseline: baseline, memory: memory, baselinePeakBytes: 600 << 20)
        #expect(targets.map(\.value) == [2.2, 1.4, 232.0 / 160, 4.4, 60, 1.1])
        #expect(targets.map(\.met) == [true, false, false, true, true, true])
        #expect(targets.map(\.bound) == [.atLeast, .atLeast, .atLeast, .atLeast, .atMost, .atMost])
        // Without llama.cpp the comparisons are not measured rather than failed.
        let alone = BenchmarkTarget.targets(
            scale: .small, measured: measured, baseline: nil, memory: nil, baselinePeakBytes: nil)
        #expect(alone.map(\.met) == [nil, nil, nil, true, nil, nil])
    }

    /// The 1.7B shape: prefill ≥ 1.2×, decode ≥ 1.0×, peak ≤ llama.cpp's + our KV plan; the 7B
    /// shape: prefill ≥ 1.0×, decode ≥ 0.9×, peak ≤ file + KV plan + 512 MiB.
    @Test func largeModelTargets() throws {
        let baseline = BenchmarkBaseline(
            tool: "llama.cpp", figures: ["prefill/p512/s512": 100, "decode/d512/tg64": 20])
        let measured: [BenchmarkCase: BenchmarkMeasurement] = [
            .prefill(512, stride: 512): try Self.measurement(115),
            .decode(depth: 512, tokens: 64): try Self.measurement(19),
        ]
        let memory = BenchmarkMemoryProbe(
            figure: "decode/d512/tg64/full", fileBytes: 4000 << 20, modelBytes: 4030 << 20, kvPlanBytes: 80 << 20,
            peakBytes: 4600 << 20)
        let medium = BenchmarkTarget.targets(
            scale: .medium, measured: measured, baseline: baseline, memory: memory, baselinePeakBytes: 4500 << 20)
        #expect(medium.map(\.value) == [1.15, 0.95, 20])
        #expect(medium.map(\.met) == [false, false, false])
        let large = BenchmarkTarget.targets(
            scale: .large, measured: measured, baseline: baseline, memory: memory, baselinePeakBytes: 4500 << 20)
        #expect(large.map(\.value) == [1.15, 0.95, 520])
        #expect(large.map(\.met) == [true, true, false])
        // The 7B memory row needs no llama.cpp; the 1.7B one does.
        let alone = BenchmarkTarget.targets(
            scale: .large, measured: measured, baseline: nil, memory: memory, baselinePeakBytes: nil)
        #expect(alone.map(\.met) == [nil, nil, false])
        #expect(
            BenchmarkTarget.targets(
                scale: .medium, measured: measured, baseline: nil, memory: memory, baselinePeakBytes: nil
            ).map(\.met) == [nil, nil, nil])
    }

    /// Parameter counts of the three shapes issue 14 names, and the rows each is held to.
    @Test func scaleFollowsTheParameterCount() {
        let smol = ModelConfiguration(
            layerCount: 30, contextLength: 8192, hiddenSize: 576, feedForwardSize: 1536, headCount: 9,
            kvHeadCount: 3, vocabSize: 49152, tiedEmbeddings: true)
        // 30 × (576·960 + 576·576 + 3·576·1536) + 49,152·576 (tied: one matrix).
        #expect(BenchmarkScale.parameters(smol) == 134_479_872)
        #expect(BenchmarkScale(smol) == .small)
        let shape17 = ModelConfiguration(
            layerCount: 24, contextLength: 8192, hiddenSize: 2048, feedForwardSize: 8192, headCount: 32,
            kvHeadCount: 32, vocabSize: 49152)
        #expect(BenchmarkScale.parameters(shape17) == 1_811_939_328)
        #expect(BenchmarkScale(shape17) == .medium)
        let mistral = ModelConfiguration(
            layerCount: 32, contextLength: 32768, hiddenSize: 4096, feedForwardSize: 14336, headCount: 32,
            kvHeadCount: 8, vocabSize: 49152)
        #expect(BenchmarkScale.parameters(mistral) == 7_381_975_040)
        #expect(BenchmarkScale(mistral) == .large)
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
