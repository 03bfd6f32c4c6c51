/// The chunk arithmetic of budgeted prefill (EASYKV-SPEC §4.1 and §6), reproduced exactly.
///
/// The prompt `[0, rIdx)` goes through in one forward; `[rIdx, L)` in chunks of exactly `stride`.
/// The first chunk brings the cache to `idx`; each later one to `idx + stride`, after which
/// `stride` entries per (layer, KV head) are evicted. Three regimes lay plans out (`encoding`,
/// `encodingDecoding`, `perplexity`); they differ in B′ and in where the prefix ends, and the
/// `KVRegime` that holds a plan says which one made it.
public struct StridePlan: Sendable, Equatable {
    public let promptLength: Int
    public let stride: Int
    /// B′: the budget in tokens plus one stride.
    public let extendedBudget: Int
    /// Steady-state cache size after each eviction.
    public let idx: Int
    /// End of the one-forward prefix.
    public let rIdx: Int
    /// `floor(B′ · recentRatio)`.
    public let recentWindow: Int
    public let sink: Int

    /// Prompt chunks after the prefix.
    public var chunkCount: Int { (promptLength - rIdx) / stride }
    /// Evictions during prefill.
    public var evictionCount: Int { (promptLength - idx) / stride }
    /// Statistic slots per (layer, head) during prefill: `idx + stride`.
    public var slots: Int { idx + stride }
    /// RoCo's eviction scope size `k` in prefill: `max(B′ − rw − sink, s)`.
    public var rocoScope: Int { max(extendedBudget - recentWindow - sink, stride) }

    /// The token ranges to forward, in order: the prefix (if not empty), then the chunks.
    public var forwards: [Range<Int>] {
        var out: [Range<Int>] = rIdx > 0 ? [0..<rIdx] : []
        for t in Swift.stride(from: rIdx, to: promptLength, by: stride) { out.append(t..<(t + self.stride)) }
        return out
    }

    // `L` and `s` keep the spec's names so the arithmetic reads like EASYKV-SPEC §4.1.

    /// Encoding mode (§4): B′ = ⌊L·f⌋ + s or b + s; the prefix ends one stride before `idx`.
    /// Nil when the budget covers the whole prompt (one plain forward, nothing evicted).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static func encoding(
        promptLength L: Int, budget: Budget, stride s: Int, recentRatio: Double, sink: Int
    ) throws(KVCacheError) -> StridePlan? {
        let bPrime: Int
        switch budget {
        case .fraction(let f):
            if f >= 1 { return nil }
            bPrime = Int((Double(L) * f).rounded(.down)) + s
        case .tokens(let b):
            if b >= L { return nil }
            bPrime = b + s
        }
        return try make(L, bPrime, s, budget, recentRatio, sink, prefixEndsBeforeIdx: true)
    }

    /// Encoding-then-decoding (`auto` with a token budget `b ≤ L`, §5): B′ = b + s, or b when
    /// that reaches the prompt; the prefix is `idx mod s` (or one stride).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static func encodingDecoding(
        promptLength L: Int, tokens b: Int, stride s: Int, recentRatio: Double, sink: Int
    ) throws(KVCacheError) -> StridePlan? {
        if b >= L { return nil }
        let bPrime = b + s >= L ? b : b + s
        return try make(L, bPrime, s, .tokens(b), recentRatio, sink, prefixEndsBeforeIdx: false)
    }

    /// Perplexity mode (§6): every integer budget is the full cache (spec bug B5, kept as
    /// documented behaviour); the prefix as in encoding-decoding.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static func perplexity(
        promptLength L: Int, budget: Budget, stride s: Int, recentRatio: Double, sink: Int
    ) throws(KVCacheError) -> StridePlan? {
        guard case .fraction(let f) = budget, f < 1 else { return nil }
        let bPrime = Int((Double(L) * f).rounded(.down)) + s
        return try make(L, bPrime, s, budget, recentRatio, sink, prefixEndsBeforeIdx: false)
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    private static func make(
        _ L: Int, _ bPrime: Int, _ s: Int, _ budget: Budget, _ recentRatio: Double, _ sink: Int,
        prefixEndsBeforeIdx: Bool
    ) throws(KVCacheError) -> StridePlan {
        precondition(L >= 1 && s >= 1, "validated by KVSettings.plan")
        // idx: the largest i in [0, B′] with (L − i) % s == 0.
        // idx ≤ L always (B′ < L + s); idx = L is a plan with no eviction, not an error.
        let idx = bPrime - ((bPrime - L) % s + s) % s
        guard idx >= s else {
            // Spec bug B9: the reference breaks when idx < s. Refuse clearly instead.
            throw .cannotPlan(
                "budget \(budget) with stride \(s) leaves \(max(idx, 0)) cached tokens for a \(L)-token prompt; "
                    + "the cache must hold at least one stride: raise the budget or lower the stride")
        }
        let rIdx = prefixEndsBeforeIdx ? idx - s : (idx % s == 0 ? s : idx % s)
        return StridePlan(
            promptLength: L, stride: s, extendedBudget: bPrime, idx: idx, rIdx: rIdx,
            recentWindow: Int((Double(bPrime) * recentRatio).rounded(.down)), sink: sink)
    }
}
