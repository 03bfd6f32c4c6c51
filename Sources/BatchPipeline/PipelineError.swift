/// Everything that can go wrong in the `BatchPipeline` module. Each message names the pipeline
/// file, the command-line flag, the output file or the input the problem belongs to.
public enum PipelineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The pipeline file or a flag is invalid: `location` is `file.yaml:12` or `--set kv.budget=…`,
    /// `key` the dotted key, `message` what is wrong.
    case invalidSpec(location: String, key: String, message: String)
    /// The pipeline file cannot be read or is not YAML.
    case unreadableSpec(path: String, message: String)
    /// `--shard` is not `i/N` with `0 <= i < N`.
    case invalidShard(String)
    /// Reading, writing or repairing an output file failed.
    case output(path: String, message: String)
    /// The output cannot be used as asked: another run is writing it, it holds results and
    /// neither `--resume` nor `--overwrite` was given, or its records no longer match the run.
    case outputConflict(path: String, message: String)
    /// The model, tokenizer or chat template could not be prepared for the run.
    case model(String)
    /// One input failed while it was prompted or generated (becomes an error record).
    case document(id: String, kind: String, message: String)

    public var description: String {
        switch self {
        case .invalidSpec(let location, let key, let message):
            return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
        case .unreadableSpec(let path, let message): return "\(path): \(message)"
        case .invalidShard(let text): return "--shard \(text): expected i/N with 0 <= i < N (for example 0/3)"
        case .output(let path, let message), .outputConflict(let path, let message): return "\(path): \(message)"
        case .model(let message): return message
        case .document(let id, _, let message):
            // Loading errors already start with their source, which is often the id itself
            // (a file or URL given as an input): name it once.
            return message.hasPrefix(id + ": ") ? message : "\(id): \(message)"
        }
    }

    /// The kind of a `.document` error for an input the run stopped before finishing; it gets no
    /// line (a resumed run does it).
    public static let interruptedKind = "interrupted"

    /// Whether the invocation itself must change (the pipeline file, a flag, the choice of
    /// output): `easykv run` exits with status 2 for these, 1 for failures while running.
    public var isInvocationError: Bool {
        switch self {
        case .invalidSpec, .unreadableSpec, .invalidShard, .outputConflict: return true
        case .output, .model, .document: return false
        }
    }

    /// A short machine-friendly name for records and the final report.
    public var kind: String {
        switch self {
        case .invalidSpec, .unreadableSpec: return "invalid_pipeline"
        case .invalidShard: return "invalid_shard"
        case .output: return "output"
        case .outputConflict: return "output_conflict"
        case .model: return "model"
        case .document(_, let kind, _): return kind
        }
    }
}
