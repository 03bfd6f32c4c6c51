/// `roco`, robust cache omission (Ren & Zhu, arXiv 2402.06262; EASYKV-SPEC §7.2; alias
/// `h2o_head_std_avg`). The eviction scope is the `k` slots whose attention has varied least
/// (lowest standard deviation over time); among them, evict those with the lowest mean attention.
/// The newest `protectedNewest` slots (and the sink in prefill) are never in scope.
///
/// Deviation (spec bug B2): when the scope would reach protected slots (decoding with a budget
/// under about 30) it is shrunk so protected slots are never evicted.
public struct RoCoPolicy: EvictionPolicy {
    public var statistics: StatisticsUse { .sumAndSquares }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        let candidates = RoCoPolicy.unprotected(context)
        let scope = EvictionContext.smallest(max(context.scope, context.count), of: candidates) {
            context.standardDeviation($0)
        }
        return EvictionContext.smallest(context.count, of: scope) { context.mean($0) }
    }

    /// Evictable slots less the protected newest ones and, in prefill, the sink.
    static func unprotected(_ context: EvictionContext) -> [Int] {
        let lower = context.first + (context.protectsSink ? context.sink : 0)
        let upper = context.end - context.protectedNewest
        if upper - lower >= context.count { return Array(lower..<upper) }
        return Array(context.first..<context.end)
    }
}
