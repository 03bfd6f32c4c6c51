/// `tova` (Token Omission Via Attention, Oren et al., arXiv 2401.06104): evict the tokens the
/// newest query attends to least. In encoding prefill the score is averaged over the KV heads of
/// a layer (the controller folds it so), so every head of a layer drops the same tokens; in
/// decoding every generated slot is a candidate, the newest included (spec bug B8, kept).
public struct TOVAPolicy: EvictionPolicy {
    public var statistics: StatisticsUse { .lastRow }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        let candidates = context.phase == .prefill ? context.windowedCandidates : context.first..<context.end
        return EvictionContext.smallest(context.count, of: Array(candidates)) { context.sum[$0] }
    }
}
