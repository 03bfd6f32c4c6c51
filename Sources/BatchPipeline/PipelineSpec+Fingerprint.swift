import Foundation
import Ingestion

extension PipelineSpec {
    /// The canonical text of everything that decides what a record says for a given input: the
    /// task, the prompts, the model file, the generation and KV settings, chunking,
    /// `long_documents` and `map_reduce`. One `key=value` per line in a fixed order, strings as
    /// JSON literals, numbers as Swift prints them (shortest round-trip form).
    ///
    /// Left out, because they do not change a record's output: the inputs and output paths,
    /// `batch_size` (batched outputs equal batch size 1, tested), `concurrency`, the input
    /// limits (they decide between a result and an error record, and error records are always
    /// redone), and the pipeline's `questions` (each record's question is compared on its own).
    ///
    /// This is the one place that knows which settings matter: a new setting that changes
    /// outputs belongs here (and then changes every hash, which `--resume=changed` redoes).
    public func configurationText(modelIdentity model: ModelIdentity) -> String {
        var lines: [(String, String)] = [("easykv_configuration", "1")]
        func text(_ s: String?) -> String { s.map(JSONString.quoted) ?? "null" }
        lines += [
            ("task", task.rawValue),
            ("prompt.system", text(prompt.system)), ("prompt.user", text(prompt.user)),
            ("prompt.map", text(prompt.map)), ("prompt.reduce", text(prompt.reduce)),
            ("prompt.chat_template", text(prompt.chatTemplate)),
            ("model.name", text(model.name)), ("model.size", String(model.size)),
            ("model.header_sha256", model.headerSHA256),
            ("generation.max_tokens", String(generation.maxTokens)),
            ("generation.temperature", "\(generation.temperature)"), ("generation.top_p", "\(generation.topP)"),
            ("generation.top_k", String(generation.topK)), ("generation.seed", String(generation.seed)),
            ("generation.stop", "[" + generation.stop.map(JSONString.quoted).joined(separator: ",") + "]"),
        ]
        // Every KV setting, from the one settings type's own coding (sorted keys: stable text).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let kvText = (try? encoder.encode(kv)).map { String(decoding: $0, as: UTF8.self) } ?? "\(kv)"
        lines.append(("kv", kvText))
        lines += [
            ("chunking.chunk_tokens", String(chunking.chunkTokens)),
            ("chunking.overlap_tokens", String(chunking.overlapTokens)),
            ("chunking.max_prompt_tokens", chunking.maxPromptTokens.map(String.init) ?? "null"),
            ("long_documents", longDocuments.rawValue),
            ("map_reduce.max_levels", String(mapReduce.maxLevels)),
        ]
        return lines.map { "\($0.0)=\($0.1)\n" }.joined()
    }

    /// The SHA-256 of `configurationText` as hex: the `config_hash` of every record of the run.
    /// `--resume` keeps a record only when its hash is this one.
    public func configurationFingerprint(modelIdentity model: ModelIdentity) -> String {
        SHA256.hex(configurationText(modelIdentity: model))
    }
}
