import ArgumentParser
import Foundation
import GGUF
import KVCaches
import Kernels
import LanguageModels
import Tokenizers

/// `easykv generate`: one prompt through the model, streamed to stdout.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text for one prompt, optionally under a KV-cache budget.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var kvOptions: KVOptions

    @Option(help: "The prompt text.")
    var prompt: String?

    @Option(name: .customLong("prompt-file"), help: "Read the prompt from a file (- for standard input).")
    var promptFile: String?

    @Flag(help: "Apply the model's chat template (the default when it has one).")
    var chat = false

    @Flag(help: "Tokenize the prompt as given (special tokens recognised; BOS only if the model asks).")
    var raw = false

    @Option(help: "System prompt for --chat.")
    var system: String?

    @Option(name: .customLong("max-tokens"), help: "Most tokens to generate.")
    var maxTokens: Int = 256

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Double = 0

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (EasyKV's rule).")
    var topP: Double = 1

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 keeps all.")
    var topK: Int = 0

    @Option(help: "Sampling seed.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("stop"), help: "Stop when this text appears (repeatable).")
    var stops: [String] = []

    @Flag(name: .customLong("ignore-eos"), help: "Always generate --max-tokens (benchmarks).")
    var ignoreEOS = false

    @Option(name: .customLong("ntk-length"), help: "DynamicNTK models: the length the rope base is fixed for.")
    var ntkLength: Int?

    @Option(name: .customLong("dump-kept"), help: "Write the prompt positions each layer and KV head keeps (JSON).")
    var dumpKept: String?

    @Flag(help: "Print one JSON object instead of streaming text.")
    var json = false

    func validate() throws {
        guard (prompt == nil) != (promptFile == nil) else {
            throw ValidationError("give exactly one of --prompt and --prompt-file")
        }
        guard !(chat && raw) else { throw ValidationError("--chat and --raw exclude each other") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1 (got \(maxTokens))") }
        guard temperature >= 0 else { throw ValidationError("--temperature must not be negative (got \(temperature))") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1] (got \(topP))") }
        guard topK >= 0 else { throw ValidationError("--top-k must not be negative (got \(topK))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    func run() throws {
        Parallel.configure(threads: threads)
        let kv = try kvOptions.settings()
        let text: String
        if let promptFile {
            // FileHandle reads pipes and process substitutions too; "-" is standard input.
            let handle = promptFile == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: promptFile)
            guard let handle, let data = try? handle.readToEnd() else {
                throw ValidationError("--prompt-file \(promptFile): cannot read the file")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = prompt ?? ""
        }
        let path = try modelOptions.resolvedPath()
        let loaded = try CLI.report { () throws -> (LlamaModel, any Tokenizer, [Int]) in
            let file = try GGUFFile(path: path)
            let tokenizer = try AutoTokenizer.load(from: file)
            let model = try LlamaModel(file: file, options: modelOptions.loadOptions(ntkLength: ntkLength))
            let template = file[GGUFKeys.chatTemplate] == nil ? nil : try ChatTemplate(file: file, tokenizer: tokenizer)
            if chat && template == nil {
                throw ValidationError("\(path) has no chat template; use --raw")
            }
            let ids: [Int]
            if let template, !raw {
                var messages: [ChatMessage] = []
                if let system { messages.append(.system(system)) }
                messages.append(.user(text))
                ids = try template.encode(messages, with: tokenizer)
            } else {
                ids = tokenizer.encode(text, addSpecial: true, parseSpecial: true)
            }
            return (model, tokenizer, ids)
        }
        let (model, tokenizer, ids) = loaded
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty after tokenization") }
        let context = model.configuration.contextLength
        if ids.count + maxTokens > context {
            CLI.warn(
                "prompt (\(ids.count) tokens) + --max-tokens (\(maxTokens)) exceeds the model's context length \(context)"
            )
        }
        let generation = GenerationSettings(
            maxNewTokens: maxTokens,
            sampling: SamplingSettings(temperature: temperature, topP: topP, topK: topK, seed: seed),
            stopTokenIDs: tokenizer.endOfTurnIDs, ignoreStopTokens: ignoreEOS)
        let sequence = try CLI.report {
            try GenerationSequence(model: model, prompt: ids, kv: kv, generation: generation)
        }
        sequence.recordsKeptPositions = dumpKept != nil
        var decoder = tokenizer.makeStreamingDecoder(skipSpecial: true)
        var stopper = StopStrings(stops)
        var output = ""
        let streaming = !json
        sequence.onToken = { id in
            let piece = stopper.push(decoder.push(id))
            output += piece
            if streaming { CLI.writeOut(piece) }
            return stopper.stopped
        }
        try CLI.report { try model.run([sequence]) }
        let tail = stopper.push(decoder.finish()) + stopper.finish()
        output += tail
        if streaming { CLI.writeOut(tail + "\n") }

        if let dumpKept, let kept = sequence.keptPositions {
            let object: [String: Any] = [
                "prompt_tokens": ids.count, "layers": kept.count, "kv_heads": kept.first?.count ?? 0, "kept": kept,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            guard FileManager.default.createFile(atPath: dumpKept, contents: data) else {
                throw ValidationError("--dump-kept \(dumpKept): cannot write the file")
            }
        }
        let report = sequence.kvReport
        let decodeTokens = max(sequence.generated.count - 1, 0)
        if json {
            let result = GenerateResult(
                promptTokens: ids.count, ids: sequence.generated, text: output,
                stopReason: sequence.stopReason?.rawValue ?? StopReason.maxTokens.rawValue,
                timings: .init(
                    prefillSeconds: sequence.prefillSeconds, decodeSeconds: sequence.decodeSeconds,
                    prefillTokensPerSecond: Double(ids.count) / max(sequence.prefillSeconds, 1e-9),
                    decodeTokensPerSecond: Double(decodeTokens) / max(sequence.decodeSeconds, 1e-9)),
                kv: report)
            print(try CLI.json(result))
        } else if kv.mode != .full {
            CLI.warn(
                "KV cache: \(report.keptTokens)/\(report.promptTokens) prompt tokens kept, peak \(report.peakSlots) slots, \(report.kvBytes) bytes",
                prefix: "")
        }
    }
}

/// The `--json` output of `generate`.
struct GenerateResult: Encodable {
    struct Timings: Encodable {
        var prefillSeconds: Double
        var decodeSeconds: Double
        var prefillTokensPerSecond: Double
        var decodeTokensPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case prefillSeconds = "prefill_s"
            case decodeSeconds = "decode_s"
            case prefillTokensPerSecond = "prefill_tok_s"
            case decodeTokensPerSecond = "decode_tok_s"
        }
    }
    var promptTokens: Int
    var ids: [Int]
    var text: String
    var stopReason: String
    var timings: Timings
    var kv: KVReport
    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case ids, text, timings, kv
        case stopReason = "stop_reason"
    }
}
