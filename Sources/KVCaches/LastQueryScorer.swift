/// `tova_fixed`: TOVA (Oren et al., arXiv 2401.06104; kvpress's `TOVAPress`) as a scorer — a
/// slot scores the attention the step's last prompt query gives it, averaged over the layer's KV
/// heads (so every head of a layer keeps the same tokens), with statistics collected from the
/// first token on, the one-forward prefix included.
///
/// EasyKV's `tova` collects nothing in the prefix forward (spec B12). Because TOVA's score is
/// replaced, not accumulated, at every step, the two choose the same victims in encoding mode
/// (`ScoredPolicyTests.lastQueryMatchesTOVA`); the named policy exists so the scorer interface
/// carries TOVA beside the others (and PyramidKV/AdaKV-style wrappers can reuse it).
public struct LastQueryScorer: SlotScorer {
    public init() {}

    public var inputs: ScorerInputs { ScorerInputs(attention: true) }

    public func score(_ view: ScoringView, into scores: UnsafeMutablePointer<Float>) {
        let first = view.lastRow - view.head * view.headStride
        for j in 0..<view.count {
            var a: Float = 0
            for h in 0..<view.kvHeadCount { a += first[h * view.headStride + j] }
            scores[j] = a / Float(view.kvHeadCount)
        }
    }
}
