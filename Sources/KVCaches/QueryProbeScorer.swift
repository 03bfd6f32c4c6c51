/// `probe`: the question's tokens run as extra query rows in every prompt step (their keys and
/// values are not stored), and a slot scores the mean attention those rows give it, pooled over
/// neighbouring slots — SnapKV (Li et al., arXiv 2404.14469) with the user's question as its
/// observation window. Recomputed at every step over the whole cache, so the score always
/// reflects the cache as it is now.
public struct QueryProbeScorer: SlotScorer {
    public var pooling: ScorePooling

    public init(pooling: ScorePooling = ScorePooling(.max, kernel: 7)) { self.pooling = pooling }

    public var inputs: ScorerInputs { ScorerInputs(probe: .question) }

    public func score(_ view: ScoringView, into scores: UnsafeMutablePointer<Float>) {
        guard let probe = view.probe else {
            // No probe this step (cannot happen in a planned run): keep the last scores.
            scores.update(from: view.previous, count: view.count)
            return
        }
        pooling.apply(probe.sum, count: view.count, into: scores)
    }
}
