/// `random` (EASYKV-SPEC §7.1): in prefill, a block of `s` slots starting at a uniform `a` in
/// `[0, idx)`, from every layer and head (the README's "random position" is a block); in
/// decoding, one uniformly chosen generated token. Seeded, so runs repeat.
///
/// Encoding-decoding mode crashes in the reference (bug B3); here it drops one uniformly chosen
/// slot of the whole cache per step.
public struct RandomPolicy: EvictionPolicy {
    public var statistics: StatisticsUse { .none }
    public var evictsBlocks: Bool { true }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        if context.phase == .prefill {
            // Starts in [0, idx) where idx = end − count: the newest `count` slots cannot start a block.
            let a = Int.random(in: 0..<(context.end - context.count), using: &random)
            return Array(a..<(a + context.count))
        }
        return [Int.random(in: context.first..<context.end, using: &random)]
    }
}
