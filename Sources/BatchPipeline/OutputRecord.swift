import KVCaches

/// One line of a pipeline's output (DESIGN.md §6): the result for one input — a document, or a
/// document and a question — or an error record naming the source and the reason.
///
/// Keys are snake_case and always written in the order below; `question` appears only for
/// inputs with a question, `error` and `error_kind` only on errors. `index` is the input's
/// position in the whole (unsharded) input list, so merged shards sort back into input order.
public struct OutputRecord: Sendable, Equatable, Codable {
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
    public var kvMode: String
    public var policy: String
    /// The budget as given: a fraction of the prompt (`0.5`) or a token count (`512`); a JSON
    /// number in the line.
    public var budget: BudgetNumber
    public var stride: Int
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

    enum CodingKeys: String, CodingKey {
        case id, index, source, title, task, question, output, status, error, model, policy, budget, stride, chunks
        case levels, timings, truncated
        case configHash = "config_hash"
        case contentHash = "content_hash"
        case errorKind = "error_kind"
        case kvMode = "kv_mode"
        case promptTokens = "prompt_tokens"
        case kvTokensKept = "kv_tokens_kept"
        case generatedTokens = "generated_tokens"
        case stopReason = "stop_reason"
        case longDocuments = "long_documents"
        case schemaVersion = "schema_version"
    }

    public init(
        id: String, index: Int, source: String, title: String?, task: String, question: String?, output: String?,
        status: Status, error: String? = nil, errorKind: String? = nil, model: String, kvMode: String, policy: String,
        budget: BudgetNumber, stride: Int, promptTokens: Int = 0, kvTokensKept: Int = 0, generatedTokens: Int = 0,
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

    /// The record as one JSON line (without the newline).
    public var jsonLine: String {
        func seconds(_ s: Double) -> JSONText { .double((s * 10_000).rounded() / 10_000) }
        func text(_ s: String?) -> JSONText { s.map(JSONText.string) ?? .null }
        var fields: [(String, JSONText)] = [
            ("id", .string(id)), ("index", .int(index)), ("source", .string(source)), ("title", text(title)),
            ("task", .string(task)),
        ]
        if let question { fields.append(("question", .string(question))) }
        fields += [("output", text(output)), ("status", .string(status.rawValue))]
        if let error {
            fields.append(("error", .string(error)))
            fields.append(("error_kind", text(errorKind)))
        }
        fields += [
            ("model", .string(model)), ("kv_mode", .string(kvMode)), ("policy", .string(policy)),
            ("budget", .number(budget.text)),
            ("stride", .int(stride)), ("prompt_tokens", .int(promptTokens)), ("kv_tokens_kept", .int(kvTokensKept)),
            ("generated_tokens", .int(generatedTokens)), ("stop_reason", text(stopReason)),
            ("long_documents", .string(longDocuments)), ("truncated", .bool(truncated)), ("chunks", .int(chunks)),
            ("levels", .int(levels)), ("config_hash", text(configHash)), ("content_hash", text(contentHash)),
            (
                "timings",
                .object([
                    ("fetch", seconds(timings.fetch)), ("extract", seconds(timings.extract)),
                    ("prefill", seconds(timings.prefill)), ("decode", seconds(timings.decode)),
                ])
            ),
            ("schema_version", .int(schemaVersion)),
        ]
        return JSONText.object(fields).serialized
    }
}

/// A budget in a record: the text of a JSON number, `0.5` (a fraction) or `512` (tokens), kept as
/// written so a fraction of 1.0 and a budget of 1 token stay apart.
public struct BudgetNumber: Sendable, Equatable, Codable, CustomStringConvertible {
    public var text: String

    public init(_ budget: Budget) {
        switch budget {
        case .fraction(let f): text = "\(f)"
        case .tokens(let t): text = String(t)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            text = String(i)
        } else {
            text = "\(try c.decode(Double.self))"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let i = Int(text) { try c.encode(i) } else { try c.encode(Double(text) ?? 0) }
    }

    public var description: String { text }
}
