/// The eviction policies, selected by name in one place (STYLE.md habit 2): EasyKV's seven,
/// then the scorers (each a `SlotScorer` run by `ScoredPolicy`).
public enum PolicyName: String, Sendable, CaseIterable, Hashable, Codable {
    case full
    case random
    case recency
    case h2oHead = "h2o_head"
    case tova
    case roco
    case h2oHeadDecayAvgStd = "h2o_head_decay_avg_std"
    case knorm
    case probe
    case kvzip
    case tovaFixed = "tova_fixed"

    /// EasyKV's policies (EASYKV-SPEC §7), reproduced exactly.
    public static let easyKV: [PolicyName] = [.full, .random, .recency, .h2oHead, .tova, .roco, .h2oHeadDecayAvgStd]

    /// Old names the reference's README and scripts still use.
    public static let aliases: [String: PolicyName] = ["h2o_head_std_avg": .roco, "streamingllm": .recency]

    /// The policy called `name` (or an alias); an unknown name is an error listing the valid
    /// ones, not EasyKV's silent full cache (a deliberate deviation).
    public static func named(_ name: String) throws(KVCacheError) -> PolicyName {
        if let p = PolicyName(rawValue: name) ?? aliases[name] { return p }
        throw KVCacheError.unknownPolicy(name)
    }

    /// Decodes a name or an alias; unknown names are errors listing the valid ones.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        self = try PolicyName.named(name)
    }

    /// The implementation.
    public var policy: any EvictionPolicy {
        switch self {
        case .full: return FullPolicy()
        case .random: return RandomPolicy()
        case .recency: return RecencyPolicy()
        case .h2oHead: return H2OHeadPolicy()
        case .tova: return TOVAPolicy()
        case .roco: return RoCoPolicy()
        case .h2oHeadDecayAvgStd: return DecayAvgStdPolicy()
        case .knorm, .probe, .kvzip, .tovaFixed: return ScoredPolicy(scorer!)
        }
    }

    /// The scorer of a scored policy; nil for EasyKV's.
    public var scorer: (any SlotScorer)? {
        switch self {
        case .knorm: return KeyNormScorer()
        case .probe: return QueryProbeScorer()
        case .kvzip: return ReconstructionScorer()
        case .tovaFixed: return LastQueryScorer()
        default: return nil
        }
    }

    /// The probe rows the policy needs in prompt steps.
    public var probe: ProbeKind { scorer?.inputs.probe ?? .none }
}
