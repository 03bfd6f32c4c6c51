/// What one prompt's cache actually runs (EASYKV-SPEC §4–6): the resolution of a `KVMode` and
/// budget for a given prompt length, carrying what that regime needs.
public enum KVRegime: Sendable, Equatable {
    /// Nothing is evicted: `full` mode, the `full` policy, or a budget that covers the prompt.
    case full
    /// The prompt is compressed by `plan`; generated tokens are appended (§4).
    case encoding(StridePlan)
    /// `auto` with a token budget no larger than the prompt: the prompt compressed by `plan`,
    /// then one eviction per generated token over the whole cache (§5).
    case encodingDecoding(StridePlan)
    /// Perplexity scoring: the text compressed by `plan`, positions from `rIdx` on scored (§6).
    case perplexity(StridePlan)
    /// The prompt kept whole; at most `keep` generated tokens stay (§1.3, `decoding` or `auto`
    /// with a budget beyond the prompt).
    case decoding(keep: Int)

    /// The stride plan of a prompt-compressing regime.
    public var plan: StridePlan? {
        switch self {
        case .encoding(let p), .encodingDecoding(let p), .perplexity(let p): return p
        case .full, .decoding: return nil
        }
    }

    /// The regime in the user's terms: the mode that ran.
    public var mode: KVMode {
        switch self {
        case .full: return .full
        case .encoding, .perplexity: return .encoding
        case .encodingDecoding: return .auto
        case .decoding: return .decoding
        }
    }

    /// `full`, `encoding`, `encoding_decoding`, `perplexity` or `decoding`.
    public var name: String {
        switch self {
        case .full: return "full"
        case .encoding: return "encoding"
        case .encodingDecoding: return "encoding_decoding"
        case .perplexity: return "perplexity"
        case .decoding: return "decoding"
        }
    }

    /// Generated tokens kept in decoding mode.
    public var decodingKeep: Int? {
        if case .decoding(let keep) = self { return keep }
        return nil
    }

    /// Whether the regime evicts prompt tokens (policies that only evict generated tokens cannot run it).
    public var compressesPrompt: Bool { plan != nil }
}
