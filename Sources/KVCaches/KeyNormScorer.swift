/// `knorm`: keys with a small L2 norm draw the most attention, so the lowest norms are kept
/// (Devoto et al., "A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression",
/// arXiv 2406.11430; kvpress's `KnormPress` scores `−‖k‖`). Needs no attention at all.
public struct KeyNormScorer: SlotScorer {
    public var inputs: ScorerInputs { ScorerInputs() }

    public init() {}

    public func score(_ view: ScoringView, into scores: UnsafeMutablePointer<Float>) {
        let d = view.headDim
        for j in 0..<view.count {
            let k = view.keys + j * d
            var s: Float = 0
            for t in 0..<d { s += k[t] * k[t] }
            scores[j] = -s.squareRoot()
        }
    }
}
