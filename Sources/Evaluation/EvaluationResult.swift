import KVCaches

/// What every evaluation result shares: the KV setting it ran under, and the columns reports
/// group it by.
public protocol EvaluationResult {
    var kv: KVSettings { get }
}

extension EvaluationResult {
    /// `full`, or the policy's name.
    public var policy: String { kv.policyLabel }
    /// The fraction of the prompt kept (1 for the full cache).
    public var fraction: Double { kv.promptFraction }
    public var stride: Int { kv.stride }
    /// How the cache stored keys and values: `f32`, `q8_0`, `q8_0/q4_0`.
    public var kvType: String { kv.formatLabel }
}
