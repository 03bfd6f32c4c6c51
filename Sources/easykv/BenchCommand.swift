import ArgumentParser
import Evaluation
import Foundation
import Kernels
import LanguageModels

/// `easykv bench`: issue 9's and 14's speed and memory figures, each next to llama.cpp's
/// (`--compare`, from `make bench-baseline`) or to our own naive reference measured in the same
/// run, with the targets for the model's size.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Prefill/decode tokens/s, kernel speed and peak memory, with ratios.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Only the figures the issue's targets need (a couple of minutes).")
    var quick = false

    @Flag(
        name: .customLong("large-model"),
        help: "The set for 1.7B-8B models: prefill p512, decode tg64 after it, peak RSS of both in a fresh process.")
    var largeModel = false

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(name: .customLong("json-output"), help: "Also write the JSON report to this file.")
    var jsonOutput: String?

    @Option(help: "llama.cpp figures to compare with (JSON from tools/bench/llama_baseline.py).")
    var compare: String?

    @Option(help: "Measure each figure this many times and keep the best.")
    var `repeat`: Int = 1

    @Flag(name: .customLong("no-memory"), help: "Skip the peak-RSS probe (a second process).")
    var noMemory = false

    @Flag(name: .customLong("no-kernels"), help: "Skip the single-thread kernel figures.")
    var noKernels = false

    @Flag(name: .customLong("memory-probe"), help: .hidden)
    var memoryProbe = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1 (got \(`repeat`))") }
        if quick && largeModel { throw ValidationError("--quick and --large-model choose different sets; pick one") }
    }

    var plan: BenchmarkPlan { largeModel ? .large : quick ? .quick : .full }

    func run() throws {
        CLI.configureThreads(threads)
        let path = try modelOptions.resolvedPath()
        if memoryProbe {
            let probe = try CLI.report {
                try BenchmarkMemoryProbe.run(
                    modelPath: path, options: modelOptions.loadOptions(), figure: plan.memoryCase)
            }
            print(try CLI.json(probe))
            return
        }
        var baseline = try compare.map { file in try CLI.report { try BenchmarkBaseline.load(file) } }
        if let b = baseline, let theirs = b.threads, theirs != Parallel.threadCount {
            CLI.warn(
                "--compare \(compare ?? ""): measured with \(theirs) threads, this run uses \(Parallel.threadCount); ignoring it"
            )
            baseline = nil
        }
        if let b = baseline, let theirs = b.model,
            URL(fileURLWithPath: theirs).lastPathComponent != URL(fileURLWithPath: path).lastPathComponent
        {
            CLI.warn("--compare \(compare ?? ""): measured on \(theirs), this run uses \(path); ignoring it")
            baseline = nil
        }
        let loadBefore = BenchmarkReport.loadAverage()
        let model = try CLI.report { try LlamaModel(path: path, options: modelOptions.loadOptions()) }
        let planned = plan.cases
        let cases = BenchmarkPlan.withReferences(planned, baseline: baseline?.figures ?? [:])
        // The naive reference maps the same file a second time (no copy), only when a case needs it.
        let reference =
            cases.allSatisfy(\.quantized)
            ? nil : try CLI.report { try LlamaModel(path: path, options: BenchmarkRunner.referenceOptions) }
        let runner = BenchmarkRunner(model: model, reference: reference)
        try CLI.report { try runner.warmUp() }

        var measured: [BenchmarkCase: BenchmarkMeasurement] = [:]
        for (i, c) in cases.enumerated() {
            var best: BenchmarkMeasurement?
            for _ in 0..<`repeat` {
                let m = try CLI.report { try runner.measure(c) }
                if best == nil || m.tokensPerSecond > best!.tokensPerSecond { best = m }
            }
            measured[c] = best
            CLI.warn(
                String(format: "[%d/%d] %@: %.1f tokens/s", i + 1, cases.count, c.id, best!.tokensPerSecond), prefix: ""
            )
        }
        // Kernel speeds and the sgemm ceiling describe the machine, not the model: the large set
        // leaves them to the default model's run.
        let machineFigures = !noKernels && plan != .large
        let kernels = machineFigures ? try CLI.report { try BenchmarkKernels.measure(repeats: quick ? 5 : 10) } : []
        let ceiling = machineFigures ? PrefillCeiling.measure(model.configuration, repeats: quick ? 3 : 5) : nil
        let memory = noMemory ? nil : try probeMemory(modelPath: path)

        let parameters = BenchmarkScale.parameters(model.configuration)
        let baselinePeak = baseline?.memory?[plan.memoryKey]
        let report = BenchmarkReport(
            date: ISO8601DateFormatter().string(from: Date()),
            commit: ProcessInfo.processInfo.environment["EASYKV_COMMIT"],
            machine: BenchmarkReport.machine(), threads: Parallel.threadCount, model: path, parameters: parameters,
            plan: plan, loadBefore: loadBefore, loadAfter: BenchmarkReport.loadAverage(), baselineTool: baseline?.tool,
            baselineLoad: baseline?.loadAverage,
            figures: BenchmarkReport.figures(planned, measured: measured, baseline: baseline), kernels: kernels,
            ceiling: ceiling, memory: memory, baselinePeakBytes: baselinePeak,
            targets: BenchmarkTarget.targets(
                scale: BenchmarkScale(parameters: parameters), measured: measured, baseline: baseline, memory: memory,
                baselinePeakBytes: baselinePeak))
        let text = try CLI.json(report)
        if let jsonOutput, !FileManager.default.createFile(atPath: jsonOutput, contents: Data((text + "\n").utf8)) {
            throw ValidationError("--json-output \(jsonOutput): cannot write the file")
        }
        print(json ? text : report.table())
    }

    /// Runs this executable again with `--memory-probe`, so the peak RSS is that of the plan's
    /// `memoryCase` and nothing else.
    private func probeMemory(modelPath: String) throws -> BenchmarkMemoryProbe {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            ["bench", "--memory-probe", "--model", modelPath, "--threads", "\(Parallel.threadCount)"]
            + (modelOptions.exact ? ["--exact"] : []) + (largeModel ? ["--large-model"] : [])
        let output = Pipe()
        process.standardOutput = output
        try CLI.report { try process.run() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            CLI.warn("the memory probe (\(executable) bench --memory-probe) exited with \(process.terminationStatus)")
            throw ExitCode(1)
        }
        return try CLI.report { try JSONDecoder().decode(BenchmarkMemoryProbe.self, from: data) }
    }
}
