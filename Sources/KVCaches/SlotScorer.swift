/// A scoring rule for cache slots, kvpress's `ScorerPress.score` in Swift: given what one
/// (layer, KV head) looks like after a forward step, a score per slot — higher means keep.
/// `ScoredPolicy` turns any scorer into an eviction policy (keep the top scores, sink and recent
/// window protected), so a new scorer is one small type and its name in `PolicyName`.
public protocol SlotScorer: Sendable {
    /// What the forward pass must compute for this scorer.
    var inputs: ScorerInputs { get }

    /// Writes `view.count` scores into `scores` (which never aliases the view's buffers).
    func score(_ view: ScoringView, into scores: UnsafeMutablePointer<Float>)
}

/// What a scorer reads beyond keys, values and positions.
public struct ScorerInputs: Sendable, Equatable {
    /// The step's attention statistics of the prompt queries (column sums, last row).
    public var attention: Bool
    /// Extra query rows the forward runs without storing their keys and values.
    public var probe: ProbeKind

    public init(attention: Bool = false, probe: ProbeKind = .none) {
        self.attention = attention
        self.probe = probe
    }
}

/// Probe rows: queries that run in a prompt step's forward, attend to the cache (and causally to
/// each other), and leave their attention as statistics, without entering the cache.
public enum ProbeKind: String, Sendable, Equatable {
    case none
    /// The user's question (SnapKV's observation window, arXiv 2404.14469, made of the question).
    case question
    /// A "repeat the previous context" instruction followed by the step's own tokens (KVzip's
    /// context reconstruction, arXiv 2505.23416).
    case reconstruction
}
