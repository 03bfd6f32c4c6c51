import CKernels

/// Which of many values known only within intervals `[y_j − b_j·e, y_j + b_j·e]` could be the
/// largest: those whose upper end reaches the largest lower end. `Projection.refineMaxima`
/// recomputes them exactly after an int8 product.
public enum IntervalMaxima {
    /// Writes to `candidates` the indices `j < count` whose upper end reaches the largest lower
    /// end, at most `capacity` of them (those with the highest upper ends), in no particular
    /// order. Returns how many it wrote and how many reached before the cap. One pass for the
    /// largest lower end and one with a heap of `capacity` entries (C, vectorised where the
    /// compiler can).
    public static func candidates(
        values y: UnsafePointer<Float>, bounds b: UnsafePointer<Float>, count: Int, scale e: Float, capacity: Int,
        into candidates: UnsafeMutablePointer<Int>
    ) -> (written: Int, reached: Int) {
        var reached = 0
        let written = ck_refine_candidates(y, b, count, e, candidates, capacity, &reached)
        return (written, reached)
    }

    /// Same, by sorting everything (tests compare the two).
    public static func candidatesReference(
        values y: [Float], bounds b: [Float], scale e: Float, capacity: Int
    ) -> (candidates: Set<Int>, reached: Int) {
        let bestLower = zip(y, b).map { $0 - $1 * e }.max() ?? -.infinity
        let reaching = y.indices.filter { y[$0] + b[$0] * e >= bestLower }
        let kept = reaching.sorted { y[$0] + b[$0] * e > y[$1] + b[$1] * e }.prefix(capacity)
        return (Set(kept), reaching.count)
    }
}
