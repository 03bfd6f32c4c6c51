/// `h2o_head` (Heavy-Hitter Oracle, Zhang et al., arXiv 2306.14048, per head as in EasyKV §7.1):
/// among the slots outside the sink and the recent window, evict those with the smallest
/// accumulated attention S.
public struct H2OHeadPolicy: EvictionPolicy {
    public var statistics: StatisticsUse { .sum }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        EvictionContext.smallest(context.count, of: Array(context.windowedCandidates)) { context.sum[$0] }
    }
}
