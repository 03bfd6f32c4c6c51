/// The chunk arithmetic of budgeted prefill (EASYKV-SPEC §4.1 and §6), reproduced exactly.
///
/// The prompt `[0, rIdx)` goes through in one forward; `[rIdx, L)` in chunks of exactly `stride`.
/// The first chunk brings the cache to `idx`; each later one to `idx + stride`, after which
/// `stride` entries per (layer, KV head) are evicted.
public struct StridePlan: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case encoding
        /// `auto` with an integer budget no larger than the prompt.
        case encodingDecoding
        case perplexity
    }

    public let kind: Kind
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

    /// The plan for `settings` over a prompt of `promptLength` tokens, or nil when the budget
    /// covers the whole prompt (one plain forward, nothing evicted). `L` and `s` keep the spec's
    /// names so the arithmetic reads like EASYKV-SPEC §4.1.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static func make(
        kind: Kind, promptLength L: Int, budget: Budget, stride s: Int, recentRatio: Double, sink: Int
    )
        throws(KVCacheError) -> StridePlan?
    {
        guard s >= 1 else { throw KVCacheError.invalidBudget("stride must be at least 1 (got \(s))") }
        guard L >= 1 else { throw KVCacheError.invalidBudget("empty prompt") }
        var bPrime: Int
        switch budget {
        case .fraction(let f):
            guard f > 0 else { throw KVCacheError.invalidBudget("budget must be positive (got \(f))") }
            if f >= 1 { return nil }
            guard kind != .encodingDecoding else {
                throw KVCacheError.invalidBudget("auto mode needs an integer budget (a token count), got \(f)")
            }
            bPrime = Int((Double(L) * f).rounded(.down)) + s
        case .tokens(let b):
            guard b > 0 else { throw KVCacheError.invalidBudget("budget must be positive (got \(b))") }
            // ppl mode: every integer budget is the full cache (spec §1.3, bug B5 kept as documented behaviour).
            if kind == .perplexity || b >= L { return nil }
            bPrime = b + s
            if kind == .encodingDecoding && bPrime >= L { bPrime = b }
        }
        // idx: the largest i in [0, B′] with (L − i) % s == 0.
        // idx ≤ L always (B′ < L + s); idx = L is a plan with no eviction, not an error.
        let idx = bPrime - ((bPrime - L) % s + s) % s
        guard idx >= s else {
            // Spec bug B9: the reference breaks when idx < s. Refuse clearly instead.
            throw KVCacheError.invalidBudget(
                "budget \(budget) with stride \(s) leaves \(max(idx, 0)) cached tokens for a \(L)-token prompt; "
                    + "the cache must hold at least one stride: raise the budget or lower the stride")
        }
        let rIdx: Int
        switch kind {
        case .encoding: rIdx = idx - s
        case .encodingDecoding, .perplexity: rIdx = idx % s == 0 ? s : idx % s
        }
        return StridePlan(
            kind: kind, promptLength: L, stride: s, extendedBudget: bPrime, idx: idx, rIdx: rIdx,
            recentWindow: Int((Double(bPrime) * recentRatio).rounded(.down)), sink: sink)
    }
}
