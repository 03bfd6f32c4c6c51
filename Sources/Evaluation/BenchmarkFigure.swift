/// One figure with what it is compared with.
public struct BenchmarkFigure: Sendable, Codable {
    public var id: String
    public var tokensPerSecond: Double
    public var seconds: Double
    public var keptTokens: Int
    public var kvBytes: Int
    /// `llama.cpp` or `ours:<case id>` (the naive reference measured in the same run).
    public var baselineSource: String?
    public var baselineTokensPerSecond: Double?
    /// Ours / baseline.
    public var ratio: Double? {
        guard let b = baselineTokensPerSecond, b > 0 else { return nil }
        return tokensPerSecond / b
    }

    enum CodingKeys: String, CodingKey {
        case id, seconds
        case tokensPerSecond = "tokens_per_second"
        case keptTokens = "kept_tokens"
        case kvBytes = "kv_bytes"
        case baselineSource = "baseline_source"
        case baselineTokensPerSecond = "baseline_tokens_per_second"
    }
}
