import Ingestion
import KVCaches

/// One line of a pipeline's output (DESIGN.md §6): the result for one input — a document, or a
/// document and a question — or an error record naming the source and the reason.
///
/// Keys are snake_case and always written in the order of `CodingKeys` (the one key list: the
/// writer walks it, the decoder reads it); `question` appears only for inputs with a question,
/// `error` and `error_kind` only on errors. `index` is the input's position in the whole
/// (unsharded) input list, so merged shards sort back into input order.
public struct OutputRecord: Sendable, Equatable, Decodable {
    public static let schemaVersion = 1

    public enum Status: String, Sendable, Codable {
        case ok
        case error
    }

    /// Seconds spent on this record. `prefill` and `decode` are model time attributed to it: a
    /// decode step shared by k sequences counts 1/k to each, so they add up to the run's model time.
    public struct Timings: Sendable, Equatable, Codable {
        public var fetch: Double = 0
        public var extract: Double = 0
        public var prefill: Double = 0
        public var decode: Double = 0

        public init(fetch: Double = 0, extract: Double = 0, prefill: Double = 0, decode: Double = 0) {
            self.fetch = fetch
            self.extract = extract
            self.prefill = prefill
            self.decode = decode
        }
    }

    public var id: String
    public var index: Int
    public var source: String
    public var title: String?
    public var task: String
    public var question: String?
    public var output: String?
    public var status: Status
    public var error: String?
    public var errorKind: String?
    public var model: String
    /// What ran (`KVPlan.effective`): the mode and policy, and the budget (a fraction of the
    /// prompt, `0.5`, or a token count, `512`; null for the full cache).
    public var kvMode: String
    public var policy: String
    public var budget: Budget?
    public var stride: Int
    /// How the cache stored keys and values (`KVSettings.formatLabel`: `f32`, `q8_0`, or
    /// `q8_0/q4_0` for keys/values). Nil in records written before quantized KV existed.
    public var kvType: String?
    /// Prompt tokens over every model call for this record (map-reduce: all chunks and levels).
    public var promptTokens: Int
    /// Cache entries per (layer, head) right after each prompt, summed over the model calls.
    public var kvTokensKept: Int
    public var generatedTokens: Int
    /// Why the final generation stopped: `eos`, `stop_string`, `max_tokens`.
    public var stopReason: String?
    /// The configured strategy for documents longer than the prompt limit.
    public var longDocuments: String
    /// Whether the document (or, at the last map-reduce level, the partial outputs) was cut.
    public var truncated: Bool
    /// Chunks of the first (map) level; 1 when the document went through in one prompt.
    public var chunks: Int
    /// Model levels: 1 for one prompt, 2 for map then reduce, more when partial outputs were
    /// themselves too long.
    public var levels: Int
    /// SHA-256 of the run's configuration (`PipelineSpec.configurationText`): `--resume` keeps a
    /// record only under the same hash. Nil in records written before it was recorded.
    public var configHash: String?
    /// SHA-256 of the input's extracted text (what the model was prompted with, before chunking
    /// and templates); nil when the input could not be read. `--resume` redoes or refuses a
    /// record whose input now extracts to other text.
    public var contentHash: String?
    public var timings: Timings
    public var schemaVersion: Int = OutputRecord.schemaVersion

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, index, source, title, task, question, output, status, error
        case errorKind = "error_kind"
        case model
        case kvMode = "kv_mode"
        case policy, budget, stride
        case kvType = "kv_type"
        case promptTokens = "prompt_tokens"
        case kvTokensKept = "kv_tokens_kept"
        case generatedTokens = "generated_tokens"
        case stopReason = "stop_reason"
        case longDocuments = "long_documents"
        case truncated, chunks, levels
        case configHash = "config_hash"
        case contentHash = "content_hash"
        case timings
        case schemaVersion = "schema_version"
    }

    public init(
        id: String, index: Int, source: String, title: String?, task: String, question: String?, output: String?,
        status: Status, error: String? = nil, errorKind: String? = nil, model: String, kvMode: String, policy: String,
        budget: Budget?, stride: Int, kvType: String? = nil, promptTokens: Int = 0, kvTokensKept: Int = 0,
        generatedTokens: Int = 0,
        stopReason: String? = nil, longDocuments: String, truncated: Bool = false, chunks: Int = 0, levels: Int = 0,
        configHash: String? = nil, contentHash: String? = nil, timings: Timings = Timings()
    ) {
        self.id = id
        self.index = index
        self.source = source
        self.title = title
        self.task = task
        self.question = question
        self.output = output
        self.status = status
        self.error = error
        self.errorKind = errorKind
        self.model = model
        self.kvMode = kvMode
        self.policy = policy
        self.budget = budget
        self.stride = stride
        self.kvType = kvType
        self.promptTokens = promptTokens
        self.kvTokensKept = kvTokensKept
        self.generatedTokens = generatedTokens
        self.stopReason = stopReason
        self.longDocuments = longDocuments
        self.truncated = truncated
        self.chunks = chunks
        self.levels = levels
        self.configHash = configHash
        self.contentHash = contentHash
        self.timings = timings
    }

    /// The value written for `key`; nil leaves the key out.
    private func value(_ key: CodingKeys) -> JSONText? {
        func seconds(_ s: Double) -> JSONText { .double((s * 10_000).rounded() / 10_000) }
        func text(_ s: String?) -> JSONText { s.map(JSONText.string) ?? .null }
        switch key {
        case .id: return .string(id)
        case .index: return .int(index)
        case .source: return .string(source)
        case .title: return text(title)
        case .task: return .string(task)
        case .question: return question.map(JSONText.string)
        case .output: return text(output)
        case .status: return .string(status.rawValue)
        case .error: return error.map(JSONText.string)
        case .errorKind: return error == nil ? nil : text(errorKind)
        case .model: return .string(model)
        case .kvMode: return .string(kvMode)
        case .policy: return .string(policy)
        case .budget: return budget.map { .number($0.jsonNumber) } ?? .null
        case .stride: return .int(stride)
        case .kvType: return kvType.map(JSONText.string)
        case .promptTokens: return .int(promptTokens)
        case .kvTokensKept: return .int(kvTokensKept)
        case .generatedTokens: return .int(generatedTokens)
        case .stopReason: return text(stopReason)
        case .longDocuments: return .string(longDocuments)
        case .truncated: return .bool(truncated)
        case .chunks: return .int(chunks)
        case .levels: return .int(levels)
        case .configHash: return text(configHash)
        case .contentHash: return text(contentHash)
        case .timings:
            return .object([
                ("fetch", seconds(timings.fetch)), ("extract", seconds(timings.extract)),
                ("prefill", seconds(timings.prefill)), ("decode", seconds(timings.decode)),
            ])
        case .schemaVersion: return .int(schemaVersion)
        }
    }

    /// The record as one JSON line (without the newline).
    public var jsonLine: String {
        JSONText.object(CodingKeys.allCases.compactMap { key in value(key).map { (key.stringValue, $0) } }).serialized
    }
}
