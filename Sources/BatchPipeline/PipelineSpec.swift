import Ingestion
import KVCaches
import LanguageModels

/// A pipeline file (`pipelines/*.yaml`) after parsing and validation: what to do with each input,
/// with which prompts, model, generation and KV settings, and where to write the results.
///
/// Every field has a default, so a file only states what differs. `PipelineSpec.load` reads a
/// file, applies `--set key=value` overrides and validates; unknown keys are errors.
public struct PipelineSpec: Sendable, Equatable {
    /// Where the spec came from (for messages).
    public var origin: String = "<defaults>"
    public var task: PipelineTask = .summarize
    /// GGUF model path; nil: `--model`, `$EASYKV_MODEL`, then the shipped default.
    public var model: String?
    public var input = InputSpec()
    /// JSON Lines output file. `{shard}` and `{shards}` are replaced by the shard index and count.
    public var output = "output/results.jsonl"
    public var prompt = PromptSpec.defaults(for: .summarize)
    public var generation = GenerationSpec()
    /// KV settings of every prompt (`kv:`); the defaults are encoding mode, budget 0.5, stride
    /// 512, RoCo.
    public var kv = KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 512, policy: .roco)
    public var chunking = ChunkingSpec()
    public var longDocuments: LongDocumentStrategy = .mapReduce
    public var mapReduce = MapReduceSpec()
    /// Sequences decoded together (continuous batching).
    public var batchSize = 4
    public var concurrency = ConcurrencySpec()
    /// Questions asked of every document (`answer` task); each (document, question) is one output
    /// line with id `<document id>#q<k>` (k from 1). Empty: the JSON Lines `question` field.
    public var questions: [String] = []

    public init() {}

    /// The output path for one shard.
    public func outputPath(shard: Shard) -> String {
        output.replacing("{shard}", with: String(shard.index)).replacing("{shards}", with: String(shard.count))
    }
}

/// Where the inputs are.
public struct InputSpec: Sendable, Equatable {
    /// Files, folders, http(s)/file URLs, `*.jsonl` (JSON Lines of documents/questions), `*.urls`
    /// (one URL per line), or `-` (standard input). Relative paths: from the working directory.
    public var paths: [String] = []
    /// Folder files must match one of these globs (empty: every file).
    public var include: [String] = []
    /// Files and folders matching these globs are skipped.
    public var exclude: [String] = []
    public var hidden = false
    /// Largest input accepted, in bytes.
    public var maxBytes = 16 << 20
    /// Seconds allowed per HTTP request (each retry and redirect hop gets its own).
    public var timeout = 60.0
    /// Retries of a URL after a 429 or 5xx answer (at most `retries + 1` requests).
    public var retries = 3
    /// Seconds before the first retry when the server sends no `Retry-After`; doubles each retry.
    public var retryBackoff = 0.5
    /// The longest wait before a retry, a server's `Retry-After` included.
    public var maxRetryDelay = 30.0
    /// What entries of JSON Lines and URL lists, links in folders, and fetches may reach
    /// (`allow_local_paths`, `follow_symlinks_outside`, `block_private_addresses`); safe by
    /// default, since inputs may come from other people.
    public var policy = InputPolicy()
}

/// Prompt templates. Placeholders: `{document}` (the text, a chunk, or the partial outputs being
/// combined), `{title}` (the document's title, else its id), `{question}`.
public struct PromptSpec: Sendable, Equatable {
    public var system: String? = "You are a careful assistant that summarises documents accurately and concisely."
    /// The user message for a whole document.
    public var user = "Summarize the following document in a few sentences.\n\nTitle: {title}\n\n{document}"
    /// The user message for one chunk (map step); nil: `user`.
    public var map: String?
    /// The user message that combines partial outputs (reduce step); `{document}` is the partial
    /// outputs, numbered and separated by blank lines.
    public var reduce =
        "Here are notes on the parts of one document ({title}), in order:\n\n{document}\n\nWrite a short summary of the whole document."
    /// A custom chat template with `{system}` and `{user}` instead of the model's own.
    public var chatTemplate: String?

    public init() {}

    /// The templates a task uses when the file gives none.
    public static func defaults(for task: PipelineTask) -> PromptSpec {
        var p = PromptSpec()
        if task == .answer {
            p.system = "You are a careful assistant that answers questions using only the document you are given."
            p.user =
                "Read the document below and answer the question.\n\nTitle: {title}\n\n{document}\n\nQuestion: {question}"
            p.map =
                "Read this part of a document and answer the question from it; say so if it does not contain the answer.\n\nTitle: {title}\n\n{document}\n\nQuestion: {question}"
            p.reduce =
                "Below are answers to the question \"{question}\", each taken from one part of the document titled {title}. Combine them into one answer.\n\n{document}"
        }
        return p
    }
}

/// Generation settings.
public struct GenerationSpec: Sendable, Equatable {
    public var maxTokens = 256
    /// 0: greedy.
    public var temperature = 0.0
    public var topP = 1.0
    public var topK = 0
    public var seed: UInt64 = 0
    /// Text that ends generation (not included in the output).
    public var stop: [String] = []
}

/// How long documents are cut.
public struct ChunkingSpec: Sendable, Equatable {
    /// Largest chunk (document tokens) in a map step.
    public var chunkTokens = 1024
    /// Tokens repeated at the start of each chunk from the end of the previous one.
    public var overlapTokens = 64
    /// Largest prompt; nil: the model's context length minus `generation.max_tokens`.
    public var maxPromptTokens: Int?
}

/// Map-reduce limits.
public struct MapReduceSpec: Sendable, Equatable {
    /// Levels at most (the map level counts); at the last level the partial outputs are cut to
    /// fit one prompt, so a run always ends.
    public var maxLevels = 3
}

/// Parallelism of the I/O stages (the model stage is one loop that owns the model).
public struct ConcurrencySpec: Sendable, Equatable {
    /// URL requests at once.
    public var fetch = 4
    /// Documents read and extracted at once.
    public var extract = 2
}

extension PipelineSpec {
    /// The generation settings for the model (stop tokens added by the runner).
    public func generationSettings(stopTokenIDs: Set<Int>, maxTokens: Int? = nil) -> GenerationSettings {
        GenerationSettings(
            maxNewTokens: maxTokens ?? generation.maxTokens,
            sampling: SamplingSettings(
                temperature: generation.temperature, topP: generation.topP, topK: generation.topK, seed: generation.seed
            ),
            stopTokenIDs: stopTokenIDs)
    }
}
