/// `kvzip`: context reconstruction (Kim et al., "KVzip", arXiv 2505.23416). After each prompt
/// step, probe rows repeat the step's tokens behind a "Repeat the previous context exactly."
/// instruction; a slot the step appended scores the largest attention any repeated query (of
/// any query head of its group) gives it, with the softmax taken over the sink, the step's slots
/// and the probe rows only (KVzip's key subsample), so steps made at different cache sizes
/// score alike. The score is given once and kept (KVzip scores each context chunk once); the
/// eviction keeps the top scores.
public struct ReconstructionScorer: SlotScorer {
    public init() {}

    public var inputs: ScorerInputs { ScorerInputs(probe: .reconstruction) }

    public func score(_ view: ScoringView, into scores: UnsafeMutablePointer<Float>) {
        scores.update(from: view.previous, count: view.count)
        guard let probe = view.probe else { return }
        for j in view.fresh { scores[j] = probe.maximum[j] }
    }
}
