/// How the KV cache is budgeted for one sequence (EASYKV-SPEC §1.2–1.3, issue 5).
public struct KVSettings: Sendable, Equatable {
    public var mode: KVMode
    public var budget: Budget
    /// Prefill chunk size `s`. In `full` mode it only bounds activation memory.
    public var stride: Int
    public var policy: PolicyName
    /// Protected tokens at the front in encoding-type prefill (`temp_length`).
    public var sink: Int
    /// Encoding recent window = `floor(B' · recentRatio)`.
    public var recentRatio: Double
    /// Decoding recent window ratio (hard-coded 0.3 in the reference).
    public var decodingRecentRatio: Double
    /// Newest slots RoCo and the decay policy never evict (hard-coded 10 in the reference).
    public var protectedNewest: Int
    /// Seed the statistics with the prefix forward's attention (EASYKV-SPEC §4.2).
    public var keepAttention: Bool
    /// StreamingLLM positions: renumber contiguously after eviction (§2.3).
    public var streamingPositions: Bool
    /// Seed for the `random` policy.
    public var seed: UInt64

    public init(
        mode: KVMode = .full, budget: Budget = .fraction(1), stride: Int = 512, policy: PolicyName = .roco,
        sink: Int = 4, recentRatio: Double = 0.1, decodingRecentRatio: Double = 0.3, protectedNewest: Int = 10,
        keepAttention: Bool = false, streamingPositions: Bool = false, seed: UInt64 = 0
    ) {
        self.mode = mode
        self.budget = budget
        self.stride = stride
        self.policy = policy
        self.sink = sink
        self.recentRatio = recentRatio
        self.decodingRecentRatio = decodingRecentRatio
        self.protectedNewest = protectedNewest
        self.keepAttention = keepAttention
        self.streamingPositions = streamingPositions
        self.seed = seed
    }
}

/// When the cache is budgeted (EASYKV-SPEC §1.1, §6).
public enum KVMode: String, Sendable, CaseIterable, Equatable {
    /// No budget: the cache holds the whole prompt and every generated token.
    case full
    /// Only the prompt is compressed, in stride-sized chunks; generated tokens are appended.
    case encoding
    /// The prompt is kept; at most `budget` generated tokens stay.
    case decoding
    /// `budget` is the total cache size: decoding if it exceeds the prompt, else
    /// encoding-then-decoding with eviction at every step.
    case auto
}

/// A KV budget: a fraction of the prompt, or a number of tokens.
public enum Budget: Sendable, Equatable, CustomStringConvertible {
    case fraction(Double)
    case tokens(Int)

    /// Parses `0.5` as a fraction and `300` as a token count; `1.0` is a full budget.
    public init?(_ text: String) {
        if let i = Int(text), i > 0 {
            self = .tokens(i)
        } else if let d = Double(text), d > 0, d.isFinite {
            self = .fraction(d)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .fraction(let f): return "\(f)"
        case .tokens(let t): return "\(t)"
        }
    }
}
