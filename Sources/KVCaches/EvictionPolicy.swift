import Kernels

/// An eviction policy (EASYKV-SPEC §7): given one (layer, KV head)'s statistics, choose the slots
/// to drop. Most policies are a score and a candidate range (kvpress's shape); block policies
/// drop the same slots from every head.
public protocol EvictionPolicy: Sendable {
    /// The statistics the controller must fold in after each forward.
    var statistics: StatisticsUse { get }
    /// Whether one choice applies to every layer and head (EasyKV's block eviction).
    var evictsBlocks: Bool { get }
    /// Whether the policy can compress a prompt (encoding-type regimes); the decay policy only
    /// evicts generated tokens. Plans that would need it refuse up front.
    var evictsPrompt: Bool { get }
    /// The slots to evict from one (layer, head): exactly `context.count` distinct slots in
    /// `[0, context.end)`. For block policies this is called once, for layer 0, head 0.
    func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int]
}

extension EvictionPolicy {
    public var evictsBlocks: Bool { false }
    public var evictsPrompt: Bool { true }
}

/// Which statistics a policy reads.
public enum StatisticsUse: Sendable, Equatable {
    case none
    /// S += Σ ā (H2O).
    case sum
    /// S += Σ ā, Q += Σ ā² (RoCo).
    case sumAndSquares
    /// S = ā of the last query (TOVA), overwritten each step.
    case lastRow
    /// E ← 0.96·E + 0.04·a, Σe += E, Σe² += E² (the decay policy, spec §7.3).
    case exponentialAverage
}

/// What a policy sees of one (layer, KV head) at an eviction: read-only statistics and the
/// candidate geometry. Slots are cache slots; in decoding mode only `[first, end)` (the
/// generated tokens) may be chosen.
public struct EvictionContext {
    public enum Phase: Sendable, Equatable {
        /// After a prompt chunk (encoding-type regimes): the sink is protected.
        case prefill
        /// After a generated token in decoding mode: only generated slots `[first, end)` are candidates.
        case decode
        /// After a generated token in encoding-decoding mode: the whole cache is a candidate.
        case decodeWholeCache
    }

    public var phase: Phase
    /// Entries to evict.
    public var count: Int
    /// First evictable slot (the prompt length in decoding mode, else 0).
    public var first: Int
    /// Entries in the (layer, head): `n`.
    public var end: Int
    /// Front slots protected in encoding-type prefill.
    public var sink: Int
    /// Newest slots outside the candidates of H2O and TOVA.
    public var recentWindow: Int
    /// RoCo's eviction scope size `k`.
    public var scope: Int
    /// Newest slots RoCo and the decay policy protect.
    public var protectedNewest: Int
    /// S, Q, C, E, Σe, Σe² of this head, indexed by slot.
    public var sum: UnsafePointer<Float>
    public var squareSum: UnsafePointer<Float>
    public var counter: UnsafePointer<Float>
    public var ema: UnsafePointer<Float>
    public var emaSum: UnsafePointer<Float>
    public var emaSquareSum: UnsafePointer<Float>

    public init(
        phase: Phase, count: Int, first: Int, end: Int, sink: Int, recentWindow: Int, scope: Int,
        protectedNewest: Int, sum: UnsafePointer<Float>, squareSum: UnsafePointer<Float>,
        counter: UnsafePointer<Float>, ema: UnsafePointer<Float>, emaSum: UnsafePointer<Float>,
        emaSquareSum: UnsafePointer<Float>
    ) {
        self.phase = phase
        self.count = count
        self.first = first
        self.end = end
        self.sink = sink
        self.recentWindow = recentWindow
        self.scope = scope
        self.protectedNewest = protectedNewest
        self.sum = sum
        self.squareSum = squareSum
        self.counter = counter
        self.ema = ema
        self.emaSum = emaSum
        self.emaSquareSum = emaSquareSum
    }

    /// Whether front slots are protected: encoding-type prefill only (decoding keeps the whole
    /// prompt, and encoding-decoding's decode steps do not protect it).
    public var protectsSink: Bool { phase == .prefill }

    /// H2O/TOVA candidates: `[first (+ sink), end − recentWindow)`. When the recent window is 0
    /// the reference fails (spec bug B1); here every slot stays a candidate. If the range holds
    /// fewer than `count` slots it widens to every evictable slot.
    public var windowedCandidates: Range<Int> {
        let lower = first + (protectsSink ? sink : 0)
        let upper = end - recentWindow
        if upper - lower >= count { return lower..<upper }
        return first..<end
    }

    /// The `k` slots of `candidates` with the smallest `score`, ties broken by lowest slot
    /// (a documented deviation: torch's `topk` leaves tie order unspecified).
    public static func smallest(_ k: Int, of candidates: [Int], score: (Int) -> Float) -> [Int] {
        guard k < candidates.count else { return candidates }
        let scored = candidates.map { (score($0), $0) }
        let sorted = scored.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        return sorted.prefix(k).map(\.1)
    }

    /// Mean attention `S/C` of a slot (0 before it has been counted).
    @inline(__always) public func mean(_ j: Int) -> Float { counter[j] > 0 ? sum[j] / counter[j] : 0 }

    /// Standard deviation `sqrt(Q/C − (S/C)²)`, the variance clamped at 0 (deviation from the
    /// reference's fp16 NaNs, spec bug B7).
    @inline(__always) public func standardDeviation(_ j: Int) -> Float {
        guard counter[j] > 0 else { return 0 }
        let m = sum[j] / counter[j]
        return max(squareSum[j] / counter[j] - m * m, 0).squareRoot()
    }
}

/// The seeded generator of the `random` policy (`Kernels.SplitMix64`, shared with the sampler).
public typealias SplitMix64 = Kernels.SplitMix64
