/// Any `SlotScorer` as an eviction policy (kvpress's `ScorerPress.compress`): after every prompt
/// step from the first token on — the one-forward prefix included, unlike EasyKV's policies,
/// whose statistics start at the first eviction (spec B12) — the scorer scores each
/// (layer, KV head) and the scores are kept with their slots; an eviction drops the lowest
/// scores outside the sink and the recent window, per head, ties to the lowest slot.
///
/// Scorers compress prompts only: their probe rows and scores come from prompt steps, so
/// decoding and auto regimes refuse them up front.
public struct ScoredPolicy: EvictionPolicy {
    public let scorer: any SlotScorer

    public init(_ scorer: any SlotScorer) { self.scorer = scorer }

    public var statistics: StatisticsUse { .scored }
    public var evictsGenerated: Bool { false }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        EvictionContext.smallest(context.count, of: Array(context.windowedCandidates)) { context.sum[$0] }
    }
}
