import ArgumentParser
import Foundation
import Ingestion
import KVCaches
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

    @Option(
        name: .customLong("prompt-file"),
        help: "Read the prompt from a file, a pipe, or - for standard input (at most 16 MiB).")
    var promptFile: String?

    @Flag(help: "Apply the model's chat template (the default when it has one).")
    var chat = false

    @Flag(help: "Tokenize the prompt as given (special tokens recognised; BOS only if the model asks).")
    var raw = false

    @Option(help: "System prompt for --chat.")
    var system: String?

    @Option(name: .customLong("max-tokens"), help: "Most tokens to generate (at most the model's context).")
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
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be a number ≥ 0 (got \(temperature))")
        }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1] (got \(topP))") }
        guard topK >= 0 else { throw ValidationError("--top-k must not be negative (got \(topK))") }
        if let ntkLength, ntkLength < 1 { throw ValidationError("--ntk-length must be at least 1 (got \(ntkLength))") }
    }

    func run() throws {
        let kv = try kvOptions.settings()
        let text = try promptText()
        let loaded = try modelOptions.load(threads: threads, ntkLength: ntkLength)
        let context = loaded.model.configuration.contextLength
        guard maxTokens <= context else {
            throw ValidationError("--max-tokens \(maxTokens) exceeds the model's context of \(context) tokens")
        }
        // A token budget beyond the context is a flag error (status 2), like one beyond 2^24.
        do { try kv.validate(contextLength: context) } catch { throw ValidationError(error.description) }
        let ids = try CLI.report { () throws -> [Int] in
            if raw || (!chat && loaded.chatTemplate == nil) {
                return loaded.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
            }
            let builder = PromptBuilder(
                tokenizer: loaded.tokenizer, chat: try loaded.requireChatTemplate(), system: system)
            return try builder.encode("{prompt}", ["prompt": text])
        }
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty after tokenization") }
        if ids.count + maxTokens > context && !kv.isFull {
            CLI.warn(
                "prompt (\(ids.count) tokens) + --max-tokens (\(maxTokens)) go past the model's context of \(context): positions beyond it were not trained"
            )
        }
        let generation = GenerationSettings(
            maxNewTokens: maxTokens,
            sampling: SamplingSettings(temperature: temperature, topP: topP, topK: topK, seed: seed),
            stopTokenIDs: loaded.stopTokenIDs, ignoreStopTokens: ignoreEOS)
        let sequence = try CLI.report {
            try GenerationSequence(
                model: loaded.model, prompt: ids, kv: kv, generation: generation, modelName: loaded.name)
        }
        if let fallback = sequence.plan.fallback { CLI.warn(fallback) }
        sequence.recordsKeptPositions = dumpKept != nil
        var stopper = StopStrings(stops, tokenizer: loaded.tokenizer)
        let streaming = !json
        sequence.onToken = { id in
            let piece = stopper.push(token: id)
            if streaming { CLI.writeOut(piece) }
            return stopper.stopped
        }
        Scheduler(model: loaded.model, batchSize: 1).run([sequence])
        if let failure = sequence.failure { try CLI.report { throw failure } }
        let tail = stopper.finish()
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
        let usage = sequence.usage
        if json {
            let decodeTokens = max(sequence.generated.count - 1, 0)
            let result = GenerateResult(
                promptTokens: ids.count, ids: sequence.generated, text: stopper.text,
                stopReason: sequence.stopReason?.rawValue ?? StopReason.maxTokens.rawValue,
                timings: .init(
                    prefillSeconds: sequence.prefillSeconds, decodeSeconds: sequence.decodeSeconds,
                    prefillTokensPerSecond: Double(ids.count) / max(sequence.prefillSeconds, 1e-9),
                    decodeTokensPerSecond: Double(decodeTokens) / max(sequence.decodeSeconds, 1e-9)),
                kv: GenerateResult.KV(settings: sequence.plan.effective, usage: usage))
            print(try CLI.json(result))
        } else if sequence.plan.regime != .full {
            CLI.warn(
                "KV cache: \(usage.keptTokens)/\(usage.promptTokens) prompt tokens kept, peak \(usage.peakSlots) slots, \(usage.kvBytes) bytes",
                prefix: "")
        }
    }

    /// The prompt: `--prompt`, or `--prompt-file` (a file, a pipe, or `-`), bounded in size.
    private func promptText() throws -> String {
        guard let promptFile else { return prompt ?? "" }
        let bytes: [UInt8]
        do { bytes = try BoundedInput.read(promptFile) } catch { throw ValidationError("--prompt-file \(error)") }
        return String(decoding: bytes, as: UTF8.self)
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

    /// What ran and what the cache held.
    struct KV: Encodable {
        var settings: KVSettings
        var usage: KVUsage

        enum CodingKeys: String, CodingKey {
            case mode, policy, budget, stride
            case keyType = "key_type"
            case valueType = "value_type"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(settings.mode.rawValue, forKey: .mode)
            try c.encode(settings.policy.rawValue, forKey: .policy)
            switch settings.budget {
            case .fraction(let f): try c.encode(f, forKey: .budget)
            case .tokens(let t): try c.encode(t, forKey: .budget)
            }
            try c.encode(settings.stride, forKey: .stride)
            try c.encode(settings.keyFormat.rawValue, forKey: .keyType)
            try c.encode(settings.valueFormat.rawValue, forKey: .valueType)
            try usage.encode(to: encoder)
        }
    }

    var promptTokens: Int
    var ids: [Int]
    var text: String
    var stopReason: String
    var timings: Timings
    var kv: KV
    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case ids, text, timings, kv
        case stopReason = "stop_reason"
    }
}
