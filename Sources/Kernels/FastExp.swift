/// Vectorised `exp` for softmax and SiLU: Cody–Waite range reduction `x = n·ln2 + r` and Cephes'
/// degree-6 polynomial for `e^r` on `|r| ≤ ln2/2` (Cephes `expf.c`), then `2^n` built in the
/// exponent bits. Relative error about 2e-7 over the normal range; inputs below −87.3 (and
/// −∞) give exactly 0, above 88.7 give +∞.
public enum FastExp {
    @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let log2e: Float = 1.442_695_04
        let ln2Hi: Float = 0.693_359_375
        let ln2Lo: Float = -2.121_944_4e-4
        let underflow = x .< -87.3
        let overflow = x .> 88.7
        let xc = x.clamped(lowerBound: SIMD16(repeating: -87.3), upperBound: SIMD16(repeating: 88.7))
        let n = (xc * log2e).rounded(.toNearestOrEven)
        let r = xc - n * ln2Hi - n * ln2Lo
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        let bits = unsafeBitCast(SIMD16<Int32>(truncatingIfNeeded: SIMD16<Int64>(n)) &+ 127, to: SIMD16<UInt32>.self) &<< 23
        var y = er * unsafeBitCast(bits, to: SIMD16<Float>.self)
        y.replace(with: 0, where: underflow)
        y.replace(with: .infinity, where: overflow)
        return y
    }

    /// Scalar twin, for tails and tests.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        exp(SIMD16<Float>(repeating: x))[0]
    }
}
