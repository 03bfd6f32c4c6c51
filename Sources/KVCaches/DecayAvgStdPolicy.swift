/// `h2o_head_decay_avg_std` (EASYKV-SPEC §7.3, the policy behind the README's decoding example):
/// an exponential moving average `e ← 0.96·e + 0.04·a` per slot, with Σe and Σe² accumulated each
/// step; the scope is the `k` lowest `std = sqrt(Σe²/C − (Σe/C)²)` outside the newest 10; evict
/// the lowest `e/C` (the reference's expression, probably a slip for `Σe/C`; kept as written).
/// A decoding-mode policy: the reference had no prefill accumulation for it.
public struct DecayAvgStdPolicy: EvictionPolicy {
    public static let decay: Float = 0.96

    public var statistics: StatisticsUse { .exponentialAverage }

    public var evictsPrompt: Bool { false }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        let candidates = RoCoPolicy.unprotected(context)
        let scope = EvictionContext.smallest(max(context.scope, context.count), of: candidates) { j in
            let c = context.counter[j]
            guard c > 0 else { return 0 }
            let m = context.emaSum[j] / c
            return max(context.emaSquareSum[j] / c - m * m, 0).squareRoot()
        }
        return EvictionContext.smallest(context.count, of: scope) { j in
            context.counter[j] > 0 ? context.ema[j] / context.counter[j] : 0
        }
    }
}
