import GGUF
import KVCaches
import Tokenizers

/// Errors of the `LanguageModels` module; each names the file or tensor and what is wrong.
public enum ModelError: Error, CustomStringConvertible, Sendable {
    case file(GGUFError)
    case tokenizer(TokenizerError)
    case unsupportedArchitecture(path: String, architecture: String)
    case invalidConfiguration(path: String, String)
    /// A metadata value outside what the model can run with: the file, the key, the value, the rule.
    case invalidValue(path: String, key: String, value: String, rule: String)
    case badTensor(path: String, tensor: String, String)
    case unsupportedTensorType(path: String, tensor: String, type: String)
    case modelNotFound(String)
    case contextOverflow(String)
    case invalidArgument(String)
    /// The KV settings cannot run this prompt (`KVSettings.plan`).
    case kvPlan(KVCacheError)
    /// The forward pass produced NaN or infinite logits.
    case nonFiniteLogits(String)

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case .tokenizer(let e): return e.description
        case .unsupportedArchitecture(let path, let arch):
            let supported = ModelArchitecture.Family.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): architecture '\(arch)' is not supported (supported: \(supported))"
        case .invalidConfiguration(let path, let why): return "\(path): invalid model configuration: \(why)"
        case .invalidValue(let path, let key, let value, let rule):
            return "\(path): metadata key '\(key)' is \(value): \(rule)"
        case .badTensor(let path, let tensor, let why): return "\(path): tensor '\(tensor)': \(why)"
        case .unsupportedTensorType(let path, let tensor, let type):
            return "\(path): tensor '\(tensor)' has type \(type), which this build cannot compute with"
        case .modelNotFound(let why): return why
        case .contextOverflow(let why): return why
        case .invalidArgument(let why): return why
        case .kvPlan(let error): return error.description
        case .nonFiniteLogits(let why): return why
        }
    }
}
