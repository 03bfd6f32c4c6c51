import Testing

@testable import Kernels

/// The candidates `Projection.refineMaxima` recomputes after an int8 product.
struct IntervalMaximaTests {
    static func run(_ y: [Float], _ b: [Float], scale: Float, capacity: Int) -> (Set<Int>, Int) {
        var out = [Int](repeating: -1, count: max(capacity, 1))
        let (written, reached) = y.withUnsafeBufferPointer { yp in
            b.withUnsafeBufferPointer { bp in
                IntervalMaxima.candidates(
                    values: yp.baseAddress!, bounds: bp.baseAddress!, count: y.count, scale: scale, capacity: capacity,
                    into: &out)
            }
        }
        return (Set(out.prefix(written)), reached)
    }

    /// By hand: values 10, 9.5, 3 with bounds 1, 0.2, 5 (scale 1): the best lower end is 9.3
    /// (9.5 − 0.2); 10 + 1 and 3 + 5 = 8 < 9.3, so the candidates are 0 and 1.
    @Test func byHand() {
        let (kept, reached) = Self.run([10, 9.5, 3], [1, 0.2, 5], scale: 1, capacity: 8)
        #expect(kept == [0, 1])
        #expect(reached == 2)
        // Capped at one: the higher upper end (11 against 9.7).
        let (one, all) = Self.run([10, 9.5, 3], [1, 0.2, 5], scale: 1, capacity: 1)
        #expect(one == [0])
        #expect(all == 2)
    }

    /// Flat values (a random-weight model's logits): everything reaches, the cap keeps exactly the
    /// highest upper ends, as sorting does.
    @Test(arguments: [1, 7, 32, 64])
    func flatDistributionIsCapped(capacity: Int) {
        var rng = SplitMix64(seed: UInt64(capacity))
        let n = 49_152
        let y = (0..<n).map { _ in Float.random(in: -0.01...0.01, using: &rng) }
        let b = (0..<n).map { _ in Float.random(in: 0.5...1.5, using: &rng) }
        let (kept, reached) = Self.run(y, b, scale: 0.1, capacity: capacity)
        let reference = IntervalMaxima.candidatesReference(values: y, bounds: b, scale: 0.1, capacity: capacity)
        #expect(reached == reference.reached)
        #expect(reached > n * 9 / 10)
        #expect(kept.count == capacity)
        #expect(kept == reference.candidates)
    }

    /// Peaked values (a trained model's logits): few reach, and all of them are kept.
    @Test func peakedDistributionKeepsEveryCandidate() {
        var rng = SplitMix64(seed: 99)
        let n = 10_000
        var y = (0..<n).map { _ in Float.random(in: -5...5, using: &rng) }
        y[1234] = 9
        y[4321] = 8.9
        y[777] = 8.5
        let b = [Float](repeating: 1, count: n)
        let (kept, reached) = Self.run(y, b, scale: 0.2, capacity: 32)
        let reference = IntervalMaxima.candidatesReference(values: y, bounds: b, scale: 0.2, capacity: 32)
        #expect(kept == [1234, 4321])
        #expect(reached == 2)
        #expect(kept == reference.candidates)
    }
}
