import Foundation
import Kernels
import LanguageModels

/// Everything `easykv bench` measured, with ratios; `--json` prints it.
public struct BenchmarkReport: Sendable, Codable {
    public var date: String
    public var commit: String?
    public var machine: String
    /// `KernelSet.current`: which C kernels ran (chosen at run time, not by build flags).
    public var kernelSet: String
    public var threads: Int
    public var model: String
    /// `BenchmarkScale.parameters` of the model, and the acceptance rows it is held to.
    public var parameters: Int
    public var scale: BenchmarkScale
    public var plan: BenchmarkPlan
    /// `/proc/loadavg` (1, 5, 15 min) before and after.
    public var loadBefore: [Double]
    public var loadAfter: [Double]
    public var baselineTool: String?
    /// `/proc/loadavg` when the baseline was measured (`BenchmarkBaseline.loadAverage`).
    public var baselineLoad: [Double]?
    public var figures: [BenchmarkFigure]
    public var kernels: [KernelFigure]
    /// The projections-only prefill bound, measured in the same run.
    public var ceiling: PrefillCeiling?
    public var memory: BenchmarkMemoryProbe?
    /// llama.cpp's peak RSS for the same work as `memory` (`BenchmarkPlan.memoryKey`).
    public var baselinePeakBytes: Int?
    public var targets: [BenchmarkTarget]

    enum CodingKeys: String, CodingKey {
        case date, commit, machine, threads, model, parameters, scale, plan, figures, kernels, ceiling, memory, targets
        case kernelSet = "kernel_set"
        case loadBefore = "load_before"
        case loadAfter = "load_after"
        case baselineTool = "baseline_tool"
        case baselineLoad = "baseline_load"
        case baselinePeakBytes = "baseline_peak_bytes"
    }

    public init(
        date: String, commit: String?, machine: String, kernelSet: String = KernelSet.current.name, threads: Int,
        model: String, parameters: Int, plan: BenchmarkPlan, loadBefore: [Double], loadAfter: [Double],
        baselineTool: String?, baselineLoad: [Double]? = nil, figures: [BenchmarkFigure], kernels: [KernelFigure],
        ceiling: PrefillCeiling? = nil,
        memory: BenchmarkMemoryProbe?, baselinePeakBytes: Int?, targets: [BenchmarkTarget]
    ) {
        self.date = date
        self.commit = commit
        self.machine = machine
        self.kernelSet = kernelSet
        self.threads = threads
        self.model = model
        self.parameters = parameters
        self.scale = BenchmarkScale(parameters: parameters)
        self.plan = plan
        self.loadBefore = loadBefore
        self.loadAfter = loadAfter
        self.baselineTool = baselineTool
        self.baselineLoad = baselineLoad
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

    /// The human-readable table.
    public func table() -> String {
        var lines: [String] = []
        let load = { (l: [Double]) in l.map { String(format: "%.2f", $0) }.joined(separator: " ") }
        lines.append(
            "easykv bench (\(plan.rawValue))  \(date)  \(commit.map { "commit \($0)  " } ?? "")threads \(threads)")
        lines.append("machine: \(machine)")
        lines.append("kernels: \(kernelSet) (C, chosen at run time; a plain `swift build -c release` runs the same)")
        lines.append(
            String(format: "model: %@ (%.2f B parameters: %@ targets)", model, Double(parameters) / 1e9, scale.rawValue)
        )
        var loads = "load average before: \(load(loadBefore))  after: \(load(loadAfter))"
        if let baselineLoad { loads += "  (\(baselineTool ?? "baseline") began at: \(load(baselineLoad)))" }
        lines.append(loads)
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
            var line = "peak RSS, fresh process, \(memory.figure): \(mib(memory.peakBytes))"
            line += " = model \(mib(memory.modelBytes)) (file \(mib(memory.fileBytes)), all resident)"
            line += " + KV plan \(mib(memory.kvPlanBytes)) + \(mib(memory.overheadBytes))"
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
        lines.append("targets (issue 9; issue 14's acceptance rows for a \(scale.rawValue) model)")
        for t in targets {
            let value = t.value.map { String(format: t.unit == "MiB" ? "%.1f MiB" : "%.2fx", $0) } ?? "not measured"
            var bound = t.bound == .atLeast ? ">= " : "<= "
            bound += String(format: t.unit == "MiB" ? "%.0f MiB" : "%.1fx", t.required)
            let verdict = t.met.map { $0 ? "met" : "NOT met" } ?? "n/a"
            lines.append("  \(pad(t.name, 58)) \(pad(value, 12, right: true))  \(pad(bound, 11))  \(verdict)")
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
        else { return "\(cores) cores" }
        let flags = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) ?? ""
        let simd = ["avx2", "avx512f", "avx512_vnni"].filter { flags.contains(" \($0)") }.joined(separator: " ")
        return
            "\(name.trimmingCharacters(in: .whitespaces)), \(cores) cores, \(simd)"
    }
}
