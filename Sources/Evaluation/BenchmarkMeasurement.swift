import Foundation
import LanguageModels

/// What one `BenchmarkCase` measured.
public struct BenchmarkMeasurement: Sendable, Codable {
    /// Prompt tokens/s for prefill, generated tokens/s (summed over the batch) for decode.
    public var tokensPerSecond: Double
    /// Wall seconds of the measured part.
    public var seconds: Double
    /// The first sequence's KV usage (kept tokens, peak slots, KV bytes).
    public var kv: KVUsage

    enum CodingKeys: String, CodingKey {
        case tokensPerSecond = "tokens_per_second"
        case seconds, kv
    }
}
