import Foundation
import Ingestion
import LanguageModels

/// The final report of a run: counts, failures by reason, throughput, peak memory.
public struct RunSummary: Sendable, Equatable {
    public var output: String
    public var shard: Shard
    /// Inputs in this shard.
    public var inputs = 0
    /// Inputs skipped because the output already had them (`--resume`).
    public var alreadyDone = 0
    public var ok = 0
    public var failed = 0
    public var failures: [String: Int] = [:]
    /// Inputs not processed because the run was interrupted.
    public var notProcessed = 0
    /// Why the run stopped early (`SIGINT`), if it did.
    public var interrupted: String?
    public var promptTokens = 0
    public var generatedTokens = 0
    /// Wall seconds from start to the last line (model load included).
    public var seconds = 0.0
    public var modelLoadSeconds = 0.0
    /// Model time in prompt strides and in decode steps.
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    /// Mean sequences per decode step.
    public var meanDecodeBatch = 0.0
    public var peakMemoryBytes = 0
    public var batchSize = 0

    public init(output: String, shard: Shard) {
        self.output = output
        self.shard = shard
    }

    public var processed: Int { ok + failed }
    public var documentsPerMinute: Double { seconds > 0 ? Double(processed) / seconds * 60 : 0 }
    /// Generated tokens per second of decode time (the part batching speeds up).
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }

    /// The exit status `easykv run` ends with: 0 when at least one input succeeded or there was
    /// nothing to do, 1 when every input failed, 128 + the signal after an interruption (130 for
    /// SIGINT, 143 for SIGTERM), so batch systems see the shard as unfinished.
    public var exitCode: Int32 {
        if let interrupted { return interrupted == "SIGTERM" ? 143 : 130 }
        if processed > 0 && ok == 0 { return 1 }
        return 0
    }

    /// The output as the report names it.
    var outputName: String { OutputPath.isStandardOutput(output) ? "standard output" : output }

    /// Human-readable report (several lines).
    public var text: String {
        var lines: [String] = []
        let shardText = shard.count > 1 ? " (shard \(shard))" : ""
        if inputs == 0 {
            return "no inputs\(shardText): nothing to do (\(outputName) is empty)"
        }
        if inputs == alreadyDone && interrupted == nil {
            return
                "nothing to do: all \(inputs) inputs\(shardText) are already in \(output) (delete it or pass --overwrite to redo them)"
        }
        lines.append(
            "\(processed) of \(inputs - alreadyDone) inputs\(shardText) done: \(ok) ok, \(failed) failed"
                + (alreadyDone > 0 ? "; \(alreadyDone) already in the output" : ""))
        if !failures.isEmpty {
            lines.append(
                "failures: "
                    + failures.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
                    .joined(separator: ", "))
        }
        if let interrupted {
            lines.append(
                "interrupted (\(interrupted)): \(notProcessed) inputs not processed; run again with --resume to finish")
        }
        // Throughput of a run where nothing succeeded would measure how fast inputs failed.
        if ok > 0 {
            lines.append(
                String(
                    format:
                        "throughput: %.1f documents/min, prefill %.0f tokens/s, decode %.1f tokens/s (mean batch %.2f of %d)",
                    documentsPerMinute, prefillTokensPerSecond, decodeTokensPerSecond, meanDecodeBatch, batchSize))
        }
        lines.append(
            String(
                format:
                    "time: %.1f s (model load %.1f s, prefill %.1f s, decode %.1f s); tokens: %d prompt, %d generated",
                seconds, modelLoadSeconds, prefillSeconds, decodeSeconds, promptTokens, generatedTokens))
        lines.append(String(format: "peak memory: %.0f MiB", Double(peakMemoryBytes) / 1_048_576))
        lines.append("output: \(outputName)")
        return lines.joined(separator: "\n")
    }

    /// One JSON object (`--report FILE`).
    public var json: String {
        var failureFields: [(String, JSONText)] = []
        for (k, v) in failures.sorted(by: { $0.key < $1.key }) { failureFields.append((k, .int(v))) }
        return JSONText.object([
            ("output", .string(output)), ("shard", .string(shard.description)), ("inputs", .int(inputs)),
            ("already_done", .int(alreadyDone)), ("ok", .int(ok)), ("failed", .int(failed)),
            ("failures", .object(failureFields)), ("not_processed", .int(notProcessed)),
            ("interrupted", interrupted.map(JSONText.string) ?? .null), ("batch_size", .int(batchSize)),
            ("seconds", .double(seconds)), ("model_load_seconds", .double(modelLoadSeconds)),
            ("prefill_seconds", .double(prefillSeconds)), ("decode_seconds", .double(decodeSeconds)),
            ("prompt_tokens", .int(promptTokens)), ("generated_tokens", .int(generatedTokens)),
            ("documents_per_minute", .double(documentsPerMinute)),
            ("prefill_tokens_per_second", .double(prefillTokensPerSecond)),
            ("decode_tokens_per_second", .double(decodeTokensPerSecond)),
            ("mean_decode_batch", .double(meanDecodeBatch)),
            ("peak_memory_bytes", .int(peakMemoryBytes)), ("exit_code", .int(Int(exitCode))),
        ]).serialized
    }

    /// Peak resident memory of this process (`ProcessMemory.peakResidentBytes`).
    public static func peakMemoryBytes() -> Int { ProcessMemory.peakResidentBytes() }
}
