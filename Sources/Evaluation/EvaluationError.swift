/// Errors of the `Evaluation` module; each names the file, flag or case and what is wrong.
public enum EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file could not be read or parsed.
    case file(path: String, String)
    /// A setting is out of range (`--lengths`, `--depths`, `--budgets`, ...).
    case invalidSetting(String)
    /// The text is too short for what was asked (`--tokens` beyond the text).
    case tooShort(String)
    /// The model failed on one case.
    case model(String)

    public var description: String {
        switch self {
        case .file(let path, let why): return "\(path): \(why)"
        case .invalidSetting(let why): return why
        case .tooShort(let why): return why
        case .model(let why): return why
        }
    }
}
