/// Errors of the `KVCaches` module.
public enum KVCacheError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A setting that can never run, whatever the prompt (`KVSettings.validate`).
    case invalidSetting(Setting, String)
    /// Settings that are valid but cannot be laid out for one prompt (`KVSettings.plan`).
    case cannotPlan(String)
    case capacityExceeded(layer: Int, needed: Int, capacity: Int)
    case unknownPolicy(String)

    /// The setting an `invalidSetting` names, with its flag and pipeline key.
    public enum Setting: String, Sendable, Equatable {
        case mode, budget, stride, policy, sink, recentRatio, keepAttention, keyType, valueType

        /// The command-line flag.
        public var flag: String {
            switch self {
            case .mode: return "--kv-mode"
            case .recentRatio: return "--recent-ratio"
            case .keepAttention: return "--keep-attention"
            case .keyType: return "--kv-type"
            case .valueType: return "--kv-value-type"
            default: return "--" + rawValue
            }
        }

        /// The key under `kv:` in a pipeline file.
        public var key: String {
            switch self {
            case .recentRatio: return "recent_ratio"
            case .keepAttention: return "keep_attention"
            case .keyType: return "key_type"
            case .valueType: return "value_type"
            default: return rawValue
            }
        }
    }

    public var description: String {
        switch self {
        case .invalidSetting(let setting, let why): return "\(setting.flag): \(why)"
        case .cannotPlan(let why): return why
        case .capacityExceeded(let layer, let needed, let capacity):
            return "KV cache capacity exceeded in layer \(layer): \(needed) entries needed, \(capacity) planned"
        case .unknownPolicy(let name):
            return "unknown policy '\(name)' (valid: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }

    /// The message without the flag (for pipeline files, which name the key themselves).
    public var reason: String {
        if case .invalidSetting(_, let why) = self { return why }
        return description
    }
}
