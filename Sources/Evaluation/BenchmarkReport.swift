import Foundation
import Kernels
import LanguageModels

/// llama.cpp's figures for the same model and threads, as `tools/bench/llama_baseline.py`
/// writes them: tokens/s keyed by `BenchmarkCase.baselineKey`.
public struct BenchmarkBaseline: Sendable, Codable {
    public var tool: String
    public var version: String?
    public var threads: Int?
    public var model: String?
    public var loadAverage: [Double]?
    /// Tokens/s by `BenchmarkCase.baselineKey`.
    public var figures: [String: Double]
    /// Peak resident bytes by key (`memory/p7000`: a fresh process prefilling 7,000 tokens).
    public var memory: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case tool, version, threads, model, figures, memory
        case loadAverage = "load_average"
    }

    public init(tool: String, figures: [String: Double]) {
        self.tool = tool
        self.figures = figures
    }

    /// Reads a baseline file; errors name the file.
    public static func load(_ path: String) throws -> BenchmarkBaseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.file(path: path, "cannot read the baseline file (--compare)")
        }
        do {
            return try JSONDecoder().decode(BenchmarkBaseline.self, from: data)
        } catch {
            throw EvaluationError.file(path: path, "not a baseline file (--compare): \(error)")
        }
    }
}

/// One figure with what it is compared with.
public struct BenchmarkFigure: Sendable, Codable {
    public var id: String
    public var tokensPerSecond: Double
    public var seconds: Double
    public var keptTokens: Int
    public var kvBytes: Int
    /// `llama.cpp` or `ours:<case id>` (the naive reference measured in the same run).
    public var baselineSource: String?
    public var baselineTokensPerSecond: Double?
    /// Ours / baseline.
    public var ratio: Double? {
        guard let b = baselineTokensPerSecond, b > 0 else { return nil }
        return tokensPerSecond / b
    }

    enum CodingKeys: String, CodingKey {
        case id, seconds
        case tokensPerSecond = "tokens_per_second"
        case keptTokens = "kept_tokens"
        case kvBytes = "kv_bytes"
        case baselineSource = "baseline_source"
        case baselineTokensPerSecond = "baseline_tokens_per_second"
    }
}

/// One of issue 9's targets, met or not (nil when a figure it needs is missing).
public struct BenchmarkTarget: Sendable, Codable {
    public var name: String
    public var value: Double?
    public var required: Double
    /// `ratio`: value must be at least `required`; `MiB`: at most.
    public var unit: String
    public var met: Bool? {
        guard let value else { return nil }
        return unit == "MiB" ? value <= required : value >= required
    }
}

/// Everything `easykv bench` measured, with ratios; `--json` prints it.
public struct BenchmarkReport: Sendable, Codable {
    public var date: String
    public var commit: String?
    public var machine: String
    public var threads: Int
    public var model: String
    public var quick: Bool
    /// `/proc/loadavg` (1, 5, 15 min) before and after.
    public var loadBefore: [Double]
    public var loadAfter: [Double]
    public var baselineTool: String?
    public var figures: [BenchmarkFigure]
    public var kernels: [KernelFigure]
    /// The projections-only prefill bound, measured in the same run.
    public var ceiling: PrefillCeiling?
    public var memory: BenchmarkMemoryProbe?
    public var baselinePeakBytes: Int?
    public var targets: [BenchmarkTarget]

    enum CodingKeys: String, CodingKey {
        case date, commit, machine, threads, model, quick, figures, kernels, ceiling, memory, targets
        case loadBefore = "load_before"
        case loadAfter = "load_after"
        case baselineTool = "baseline_tool"
        case baselinePeakBytes = "baseline_peak_bytes"
    }

    public init(
        date: String, commit: String?, machine: String, threads: Int, model: String, quick: Bool, loadBefore: [Double],
        loadAfter: [Double], baselineTool: String?, figures: [BenchmarkFigure], kernels: [KernelFigure],
        ceiling: PrefillCeiling? = nil, memory: BenchmarkMemoryProbe?, baselinePeakBytes: Int?,
        targets: [BenchmarkTarget]
    ) {
        self.date = date
        self.commit = commit
        self.machine = machine
        self.threads = threads
        self.model = model
        self.quick = quick
        self.loadBefore = loadBefore
        self.loadAfter = loadAfter
        self.baselineTool = baselineTool
        self.figures = figures
        self.kernels = kernels
        self.ceiling = ceiling
        self.memory = memory
        self.baselinePeakBytes = baselinePeakBytes
        self.targets = targets
    }

    /// Pairs each planned case with llama.cpp's figure, or else with its naive reference from
    /// `measured`, and evaluates the targets.
    public static func figures(
        _ cases: [BenchmarkCase], measured: [BenchmarkCase: BenchmarkMeasurement], baseline: BenchmarkBaseline?
    ) -> [BenchmarkFigure] {
        cases.compactMap { c in
            guard let m = measured[c] else { return nil }
            var figure = BenchmarkFigure(
                id: c.id, tokensPerSecond: m.tokensPerSecond, seconds: m.seconds, keptTokens: m.kv.keptTokens,
                kvBytes: m.kv.kvBytes)
            if let value = baseline?.figures[c.baselineKey] {
                figure.baselineSource = baseline?.tool ?? "baseline"
                figure.baselineTokensPerSecond = value
            } else if let reference = c.naiveReference, let r = measured[reference] {
                figure.baselineSource = "ours:\(reference.id)"
                figure.baselineTokensPerSecond = r.tokensPerSecond
            }
            return figure
        }
    }

    /// Issue 9's targets.
    public static func targets(
        measured: [BenchmarkCase: BenchmarkMeasurement], baseline: BenchmarkBaseline?, memory: BenchmarkMemoryProbe?
    ) -> [BenchmarkTarget] {
        func versusBaseline(_ c: BenchmarkCase) -> Double? {
            guard let ours = measured[c]?.tokensPerSecond, let theirs = baseline?.figures[c.baselineKey], theirs > 0
            else { return nil }
            return ours / theirs
        }
        let stride512 = measured[.prefill(512, stride: 512)]?.tokensPerSecond
        let stride8 = measured[.prefill(512, stride: 8)]?.tokensPerSecond
        let tool = baseline?.tool ?? "llama.cpp"
        return [
            BenchmarkTarget(
                name: "prefill 512 tokens, stride 512, full cache vs \(tool)",
                value: versusBaseline(.prefill(512, stride: 512)), required: 1.0, unit: "ratio"),
            BenchmarkTarget(
                name: "prefill 7000 tokens, stride 512, budget 0.25 vs \(tool) (full)",
                value: versusBaseline(.prefill(7000, stride: 512, .prompt(0.25))), required: 1.5, unit: "ratio"),
            BenchmarkTarget(
                name: "decode tg128 vs \(tool)", value: versusBaseline(.decode(depth: 16)), required: 1.0, unit: "ratio"
            ),
            BenchmarkTarget(
                name: "prefill stride 512 vs stride 8 (512 tokens)",
                value: stride512.flatMap { a in stride8.map { a / $0 } }, required: 4.0, unit: "ratio"),
            BenchmarkTarget(
                name: "peak RSS 7000 tokens at 0.25 beyond model + KV plan",
                value: memory.map { Double($0.overheadBytes) / 1_048_576 }, required: 64, unit: "MiB"),
        ]
    }

    /// The human-readable table.
    public func table() -> String {
        var lines: [String] = []
        let load = { (l: [Double]) in l.map { String(format: "%.2f", $0) }.joined(separator: " ") }
        lines.append("easykv bench  \(date)  \(commit.map { "commit \($0)  " } ?? "")threads \(threads)")
        lines.append("machine: \(machine)")
        lines.append("model: \(model)")
        lines.append("load average before: \(load(loadBefore))  after: \(load(loadAfter))")
        lines.append("")
        lines.append(
            pad("figure", 34) + pad("tokens/s", 11, right: true) + pad("baseline", 11, right: true) + "  ratio  vs")
        for f in figures {
            let base = f.baselineTokensPerSecond.map { String(format: "%.1f", $0) } ?? "-"
            let ratio = f.ratio.map { String(format: "%5.2fx", $0) } ?? "    - "
            var line = pad(f.id, 34) + pad(String(format: "%.1f", f.tokensPerSecond), 11, right: true)
            line += pad(base, 11, right: true) + " " + ratio + "  " + (f.baselineSource ?? "")
            if f.keptTokens > 0 { line += "  (kept \(f.keptTokens), KV \(f.kvBytes / 1024) KiB)" }
            lines.append(line)
        }
        if let memory {
            lines.append("")
            let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1_048_576) }
            var line =
                "peak RSS, fresh process, \(memory.promptTokens) tokens at \(memory.budget): \(mib(memory.peakBytes))"
            line += " = model \(mib(memory.modelBytes)) + KV plan \(mib(memory.kvPlanBytes))"
            line += " + \(mib(memory.overheadBytes))"
            if let baselinePeakBytes { line += "  (\(baselineTool ?? "baseline"): \(mib(baselinePeakBytes)))" }
            lines.append(line)
        }
        if !kernels.isEmpty {
            lines.append("")
            lines.append("decode kernels, one thread (G weights/s; batch 4: per weight row and G multiply-adds/s)")
            for type in Set(kernels.map(\.type)).sorted() {
                let rows = kernels.filter { $0.type == type }.sorted { $0.batch < $1.batch }
                var line = pad(type, 6)
                for k in rows {
                    line += String(format: "  batch %d: %5.1f", k.batch, k.weightsPerSecond / 1e9)
                    if k.batch > 1 { line += String(format: " (%5.1f MAC)", k.multiplyAddsPerSecond / 1e9) }
                }
                if let k = rows.first {
                    line += String(
                        format: "  reference: %.2f (%.0fx)", k.referenceWeightsPerSecond / 1e9,
                        k.weightsPerSecond / k.referenceWeightsPerSecond)
                }
                lines.append(line)
            }
        }
        if let ceiling {
            lines.append("")
            var line = String(
                format: "prefill ceiling, sgemm alone (the projections of one %d-token stride, all threads):"
                    + " %.0f GFLOP/s x %.0f MFLOP/token = %.0f tokens/s",
                ceiling.rows, ceiling.flopsPerSecond / 1e9, ceiling.flopsPerToken / 1e6, ceiling.tokensPerSecond)
            if let stride8 = figures.first(where: { $0.id == BenchmarkCase.prefill(512, stride: 8).id }) {
                line += String(format: " = %.2fx prefill/p512/s8", ceiling.tokensPerSecond / stride8.tokensPerSecond)
            }
            lines.append(line)
        }
        lines.append("")
        lines.append("targets")
        for t in targets {
            let value = t.value.map { String(format: t.unit == "MiB" ? "%.1f MiB" : "%.2fx", $0) } ?? "not measured"
            let bound =
                t.unit == "MiB" ? String(format: "<= %.0f MiB", t.required) : String(format: ">= %.1fx", t.required)
            let verdict = t.met.map { $0 ? "met" : "NOT met" } ?? "n/a"
            lines.append("  \(pad(t.name, 66)) \(pad(value, 12, right: true))  \(pad(bound, 10))  \(verdict)")
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        guard s.count < width else { return s }
        let fill = String(repeating: " ", count: width - s.count)
        return right ? fill + s : s + fill
    }

    /// `/proc/loadavg`'s three averages (empty where it does not exist).
    public static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    /// The CPU model and core count (`/proc/cpuinfo`).
    public static func machine() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let name = line.split(separator: ":", maxSplits: 1).last
        else { return "\(cores) cores, kernels \(KernelSet.current.name)" }
        let flags = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) ?? ""
        let simd = ["avx2", "avx512f", "avx512_vnni"].filter { flags.contains(" \($0)") }.joined(separator: " ")
        return
            "\(name.trimmingCharacters(in: .whitespaces)), \(cores) cores, \(simd), kernels \(KernelSet.current.name)"
    }
}
