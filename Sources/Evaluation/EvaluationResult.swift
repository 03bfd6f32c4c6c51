import KVCaches

/// What every evaluation result shares: the KV setting it ran under, and the columns reports
/// group it by.
public protocol EvaluationResult {
    var kv: KVSettings { get }
    /// Model seconds of the case (a decode step shared by k sequences counts 1/k for each).
    var seconds: Double { get }
    /// Peak key and value bytes of its cache.
    var kvBytes: Int { get }
}

extension EvaluationResult {
    /// `full`, or the policy's name.
    public var policy: String { kv.policyLabel }
    /// The fraction of the prompt kept (1 for the full cache).
    public var fraction: Double { kv.promptFraction }
    public var stride: Int { kv.stride }
}
