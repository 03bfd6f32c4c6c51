import ArgumentParser
import Evaluation
import Foundation
import Ingestion
import KVCaches
import LanguageModels
import Tokenizers

/// `easykv eval`: what a KV budget costs, per policy, on your model and texts (issue 8).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure passkey accuracy, fidelity and perplexity under KV budgets.",
        subcommands: [Passkey.self, Fidelity.self, Perplexity.self])

    /// Options every evaluation shares: model, policy grid, output.
    struct Options: ParsableArguments {
        @OptionGroup var modelOptions: ModelOptions

        @Option(help: "Eviction policies, comma-separated (the full cache always runs as the reference).")
        var policies = "full,recency,h2o_head,tova,roco,random"

        @Option(help: "KV budgets as fractions of the prompt, comma-separated.")
        var budgets = "0.5,0.25"

        @Option(name: [.customLong("strides"), .customLong("stride")], help: "Prefill strides, comma-separated.")
        var strides = "64"

        @Option(
            name: .customLong("kv-types"),
            help: ArgumentHelp(
                "KV storage types, comma-separated: f32, q8_0, or keys/values like q8_0/q4_0.",
                discussion: "The whole grid (with its own full cache) runs once per type."))
        var kvTypes = "f32"

        @Option(help: "Seed for the keys and the random policy.")
        var seed: UInt64 = 0

        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?

        @Flag(help: "Print JSON (Lines) results on stdout; the summary table goes to stderr.")
        var json = false

        @Option(help: "Write a Markdown report and SVG charts into this folder.")
        var report: String?

        @Flag(help: "No progress on stderr.")
        var quiet = false

        /// The full cache, then every policy × budget × stride (`KVSettings.evaluationGrid`).
        func grid() throws -> [KVSettings] {
            do {
                return try KVSettings.evaluationGrid(
                    policies: policies, budgets: budgets, strides: strides, seed: seed, kvTypes: kvTypes)
            } catch {
                throw ValidationError(error.description)
            }
        }

        /// The model, its tokenizer and chat template, and its path for reports; refuses KV types
        /// the model's head dimension cannot hold before any case runs.
        func load() throws -> (loaded: LoadedModel, path: String) {
            let loaded = try modelOptions.load(threads: threads)
            for kv in try grid() {
                do { try kv.validate(headDim: loaded.model.configuration.headDim) } catch {
                    throw ValidationError("--kv-types: \(error.reason)")
                }
            }
            return (loaded, try modelOptions.resolvedPath())
        }

        func progress(_ label: String, total: Int) -> EvaluationProgress {
            EvaluationProgress(label: label, total: total, style: quiet ? .quiet : nil)
        }

        /// The summary: on stdout, or on stderr when stdout carries JSON.
        func summary(_ text: String) {
            if json { FileHandle.standardError.write(Data(text.utf8)) } else { CLI.writeOut(text) }
        }

        func writeReport(name: String, _ content: (markdown: String, charts: [(suffix: String, chart: LineChart)]))
            throws
        {
            guard let report else { return }
            let path = try CLI.report {
                try ReportWriter(directory: report).write(
                    name: name, markdown: content.markdown, charts: content.charts)
            }
            CLI.warn("report: \(path)", prefix: "")
        }

        static var commandLine: String {
            (["easykv"] + CommandLine.arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(
                separator: " ")
        }
    }

    /// `easykv eval passkey`.
    struct Passkey: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Passkey retrieval (EasyKV's prompt, or a needle in your haystack) per policy and budget.")

        @OptionGroup var options: Options

        @Option(help: "Prompt lengths in tokens, comma-separated.")
        var lengths = "1000,2000,4000"

        @Option(help: "Needle depths (fraction of the filler before it), comma-separated.")
        var depths = "0.5"

        @Option(help: "Keys (prompts) per length and depth.")
        var keys = 5

        @Option(name: .customLong("max-tokens"), help: "Tokens generated per answer.")
        var maxTokens = 8

        @Option(name: .customLong("batch-size"), help: "Sequences run together.")
        var batchSize = 4

        @Option(help: "A text file to use as the haystack instead of EasyKV's filler lines.")
        var haystack: String?

        func run() throws {
            let grid = try options.grid()
            let lengthList = try Self.list(lengths, "--lengths", Int.init)
            let depthList = try Self.list(depths, "--depths", Double.init)
            var haystackText: String?
            if let haystack {
                do { haystackText = String(decoding: try BoundedInput.read(haystack), as: UTF8.self) } catch {
                    throw ValidationError("--haystack \(error)")
                }
            }
            let (loaded, path) = try options.load()
            let settings = PasskeyEvaluation.Settings(
                lengths: lengthList, depths: depthList, keys: keys, seed: options.seed, maxNewTokens: maxTokens,
                batchSize: batchSize, grid: grid, haystack: haystackText)
            let evaluation = try CLI.report {
                try PasskeyEvaluation(loaded: loaded, settings: settings)
            }
            let progress = options.progress("passkey", total: evaluation.caseCount)
            let json = options.json
            let results = try CLI.report {
                try evaluation.run(progress: progress) { r in
                    if json, let line = try? CLI.json(r) { CLI.writeOut(line + "\n") }
                }
            }
            options.summary(EvaluationReport.passkeyTable(results))
            try options.writeReport(
                name: "passkey",
                EvaluationReport.passkey(results, model: path, commandLine: Options.commandLine, haystack: haystack))
        }

        static func list<T>(_ text: String, _ flag: String, _ parse: (String) -> T?) throws -> [T] {
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return try items.map { item in
                guard let v = parse(item) else { throw ValidationError("\(flag): '\(item)' is not a valid value") }
                return v
            }
        }
    }

    /// `easykv eval fidelity`.
    struct Fidelity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How close budgeted outputs stay to the full-cache output (ROUGE-L, common prefix).")

        @OptionGroup var options: Options

        @Argument(help: "Text files, or .jsonl files of {\"id\", \"text\", \"reference\"?}.")
        var documents: [String]

        @Option(help: "The user message; {document} stands for the text (which never becomes a control token).")
        var template = FidelityEvaluation.defaultTemplate

        @Flag(name: .customLong("no-chat-template"), help: "Do not wrap the message in the model's chat template.")
        var noChatTemplate = false

        @Option(name: .customLong("max-tokens"), help: "Tokens generated per output.")
        var maxTokens = 128

        @Option(name: .customLong("batch-size"), help: "Sequences run together.")
        var batchSize = 4

        @Flag(help: "ROUGE with the Porter stemmer (rouge-score's use_stemmer=True).")
        var stemmer = false

        func run() throws {
            let grid = try options.grid()
            let docs = try CLI.report { try FidelityDocument.load(paths: documents) }
            guard !docs.isEmpty else { throw ValidationError("no documents given") }
            let (loaded, path) = try options.load()
            let settings = FidelityEvaluation.Settings(
                template: template, useChatTemplate: !noChatTemplate, maxNewTokens: maxTokens, batchSize: batchSize,
                grid: grid, useStemmer: stemmer)
            let evaluation = try CLI.report { try FidelityEvaluation(loaded: loaded, settings: settings) }
            let progress = options.progress("fidelity", total: docs.count * grid.count)
            let json = options.json
            let results = try CLI.report {
                try evaluation.run(docs, progress: progress) { batch in
                    guard json else { return }
                    for r in batch { if let line = try? CLI.json(r) { CLI.writeOut(line + "\n") } }
                }
            }
            options.summary(EvaluationReport.fidelityTables(results))
            try options.writeReport(
                name: "fidelity",
                EvaluationReport.fidelity(results, model: path, commandLine: Options.commandLine, template: template))
        }
    }

    /// `easykv eval ppl`.
    struct Perplexity: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ppl", abstract: "Perplexity of a text's first N tokens, full cache and under each budget.")

        @OptionGroup var options: Options

        @Option(help: "The text file.")
        var file: String

        @Option(help: "Tokens scored (the text's first N, no BOS).")
        var tokens: Int

        func run() throws {
            let grid = try options.grid()
            let data: [UInt8]
            do { data = try BoundedInput.read(file) } catch { throw ValidationError("--file \(error)") }
            let (loaded, path) = try options.load()
            let ids = try CLI.report {
                try PerplexityEvaluation.tokens(
                    of: String(decoding: data, as: UTF8.self), count: tokens, tokenizer: loaded.tokenizer, source: file)
            }
            let evaluation = PerplexityEvaluation(model: loaded.model, grid: grid)
            let progress = options.progress("ppl", total: evaluation.settings.count)
            let report = try CLI.report { try evaluation.run(ids, progress: progress) }
            if options.json { CLI.writeOut(try CLI.json(report) + "\n") }
            options.summary(EvaluationReport.perplexityTable(report))
            try options.writeReport(
                name: "ppl",
                EvaluationReport.perplexity(report, model: path, file: file, commandLine: Options.commandLine))
        }
    }
}
