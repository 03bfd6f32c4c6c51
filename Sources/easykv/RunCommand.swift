import ArgumentParser
import BatchPipeline
import Dispatch
import Foundation
import Kernels

/// `easykv run`: a pipeline file over folders, files, URLs or JSON Lines, one JSON line per input.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline (pipelines/*.yaml) over documents into JSON Lines.",
        discussion: """
            Flags override the pipeline file; --set overrides any field by its dotted key \
            (--set kv.budget=0.25). Every input yields one line in input order. Ctrl-C (SIGINT) or \
            SIGTERM finishes the documents in the batch, writes their lines and exits with status 130 \
            (143 for SIGTERM); a second signal stops at once. --resume continues a run; --output - \
            writes the records to standard output. Exit status: 0 when at least one input succeeded \
            (or nothing was left to do), 1 when all failed, 2 when the pipeline, a flag or the choice \
            of output is invalid (another run is writing it, it holds results, or its records no \
            longer match).
            """)

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(
        name: .customLong("input"),
        help: "A file, folder, URL, FILE.jsonl or FILE.urls (repeatable; replaces input.paths).")
    var inputs: [String] = []

    @Option(help: "The JSON Lines output file ({shard} and {shards} are replaced); - for standard output.")
    var output: String?

    /// `--resume` alone or `--resume=changed` (`defaultAsFlag`, swift-argument-parser 1.8).
    @Option(
        defaultAsFlag: ResumeChoice.matching, parsing: .next,
        help: ArgumentHelp(
            "Skip inputs whose record still matches (settings, question, input text) and redo the rest; refuse when one no longer matches, or redo those too with --resume=changed.",
            valueName: "changed"))
    var resume: ResumeChoice?

    @Flag(help: "Start a non-empty output file over.")
    var overwrite = false

    @Option(help: "Run only shard i of N (0-based), chosen by a stable hash of each id.")
    var shard: String?

    // `.unconditional`: a negative number is a value to refuse by name, not a missing one.
    @Option(parsing: .unconditional, help: "Sequences decoded together.")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Most tokens generated per prompt.")
    var maxTokens: Int?

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "GGUF model file (default: the pipeline's, else $EASYKV_MODEL, else models/).")
    var model: String?

    @Option(
        name: .customLong("set"), help: ArgumentHelp("Override a pipeline field (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(help: "No progress and no final report on stderr.")
    var quiet = false

    @Option(help: "Also write the final report as JSON to this file.")
    var report: String?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads \(threads): must be at least 1") }
        // swift-argument-parser reads an unknown `--resume=VALUE` as a bare `--resume` (its
        // `defaultAsFlag` options fall back on a value they cannot parse): refuse the typo here.
        for argument in CommandLine.arguments where argument.hasPrefix("--resume=") {
            let value = argument.dropFirst("--resume=".count)
            guard ResumeChoice(rawValue: String(value)) != nil else {
                throw ValidationError("\(argument): expected --resume or --resume=changed")
            }
        }
    }

    func run() async throws {
        let spec: PipelineSpec
        var options = RunOptions()
        do {
            var overrides = try settings.map { (s) throws(PipelineError) in try SpecOverride(parsing: s) }
            if !inputs.isEmpty { overrides.append(.list("--input", key: "input.paths", values: inputs)) }
            if let output { overrides.append(.flag("--output", key: "output", value: output)) }
            if let batchSize { overrides.append(.flag("--batch-size", key: "batch_size", value: String(batchSize))) }
            if let maxTokens {
                overrides.append(.flag("--max-tokens", key: "generation.max_tokens", value: String(maxTokens)))
            }
            if let model { overrides.append(.flag("--model", key: "model", value: model)) }
            spec = try PipelineSpec.load(path: pipeline, overrides: overrides)
            if let shard { options.shard = try Shard(parsing: shard) }
        } catch {
            Self.say("easykv run: \(error)")
            throw ExitCode(2)
        }
        options.resume = resume.map(\.mode) ?? .off
        options.overwrite = overwrite
        Parallel.configure(threads: threads)
        options.progress = .automatic(quiet: quiet)
        options.log = { Self.say("easykv run: \($0)") }
        let signals = Self.trapSignals(options.stop)

        let summary: RunSummary
        do {
            summary = try await PipelineRunner(spec: spec, options: options).run()
        } catch {
            Self.say("easykv run: \(error)")
            throw ExitCode(error.isInvocationError ? 2 : 1)
        }
        withExtendedLifetime(signals) {}
        if let report {
            do { try (summary.json + "\n").write(toFile: report, atomically: true, encoding: .utf8) } catch {
                Self.say("easykv run: \(report): cannot write the report: \(error.localizedDescription)")
            }
        }
        if summary.exitCode == 1 {
            Self.say(
                "easykv run: all \(summary.failed) inputs failed (\(summary.failures.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", "))); see \(summary.output)"
            )
        }
        if !quiet { Self.say(summary.text) }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    /// SIGINT and SIGTERM ask the run to stop after the documents in flight; a second signal
    /// exits at once (lines already written are whole).
    static func trapSignals(_ stop: StopSignal) -> [any DispatchSourceSignal] {
        [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.requested != nil {
                    say("easykv run: \(name) again: stopping now")
                    _exit(130)
                }
                stop.request(name)
                say("easykv run: \(name): finishing the documents in flight (send it again to stop at once)")
            }
            source.resume()
            return source
        }
    }

    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The value of `--resume`.
enum ResumeChoice: String, ExpressibleByArgument {
    case matching
    case changed

    var mode: RunOptions.Resume { self == .changed ? .changed : .matching }
}
