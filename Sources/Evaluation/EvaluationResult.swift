import KVCaches

/// What every evaluation result shares: the KV setting it ran under, what it cost, and the
/// columns reports group it by. Reports are written over this protocol only, so a new policy
/// (a new `PolicyName`) shows up in every table and chart with no change here.
public protocol EvaluationResult {
    var kv: KVSettings { get }
    /// Seconds the case took (model time for generation cases, the measurement for perplexity).
    var seconds: Double { get }
    /// Peak key and value bytes the case's cache held.
    var kvBytes: Int { get }
    /// Why the case failed; nil when it ran (failed cases are left out of the cost tables).
    var error: String? { get }
}

extension EvaluationResult {
    /// `full`, or the policy's name.
    public var policy: String { kv.policyLabel }
    /// The fraction of the prompt kept (1 for the full cache).
    public var fraction: Double { kv.promptFraction }
    public var stride: Int { kv.stride }
    /// Results that never fail (perplexity rows) need not say so.
    public var error: String? { nil }
    /// How the cache stored keys and values: `f32`, `q8_0`, `q8_0/q4_0`.
    public var kvType: String { kv.formatLabel }
}
