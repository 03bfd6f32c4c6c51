/// Vectorised `exp` for softmax and SiLU: Cody–Waite range reduction `x = n·ln2 + r` and Cephes'
/// degree-6 polynomial for `e^r` on `|r| ≤ ln2/2` (Cephes `expf.c`), then `2^n` built in the
/// exponent bits. Relative error about 2e-7 over the normal range; inputs below −87.3 (and
/// −∞) give exactly 0, above 88.7 give +∞.
///
/// Written with plain SIMD arithmetic, comparisons and bit casts only: the standard library's
/// generic SIMD `rounded`, `clamped` and integer conversions are not specialised across the
/// module boundary and cost more than the exponential itself (measured with perf).
public enum FastExp {
    /// 1.5 · 2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits.
    @usableFromInline static let magic: Float = 12_582_912
    @usableFromInline static let magicBits: Int32 = 0x4B40_0000

    @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let log2e: Float = 1.442_695_04
        let ln2Hi: Float = 0.693_359_375
        let ln2Lo: Float = -2.121_944_4e-4
        let underflow = x .< -87.3
        let overflow = x .> 88.7
        var xc = x.replacing(with: -87.3, where: underflow)
        xc.replace(with: 88.7, where: overflow)
        let t = xc * log2e + magic
        let n = t - magic
        let r = xc - n * ln2Hi - n * ln2Lo
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        let ni = unsafeBitCast(t, to: SIMD16<Int32>.self) &- magicBits
        var y = er * unsafeBitCast((ni &+ 127) &<< 23, to: SIMD16<Float>.self)
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
