import CKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Numerically stable softmax in fp32 (max subtracted, exp, normalised).
public enum Softmax {
    /// Softmax of `x[0..<count]` in place. Entries equal to `-Float.infinity` become 0.
    @inline(__always)
    public static func inPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let raw = UnsafeMutableRawPointer(x)
        var mv = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            mv.replace(with: v, where: v .> mv)
            i += 16
        }
        var m = mv.max()
        while i < count {
            m = max(m, x[i])
            i += 1
        }
        // The exponentials in C (`FastExp`'s method), vectorised for this CPU in any build.
        let inv = 1 / ck_exp_shifted_sum(x, count, m)
        i = 0
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * inv
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            x[i] *= inv
            i += 1
        }
    }

    /// Scalar reference twin of `inPlace` (libm `expf`, plain loops).
    public static func reference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count where x[i] > m { m = x[i] }
        var sum: Float = 0
        for i in 0..<count {
            x[i] = expf(x[i] - m)
            sum += x[i]
        }
        for i in 0..<count { x[i] /= sum }
    }

    /// Log-sum-exp of `x[0..<count]`, in Double for perplexity.
    public static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var m = -Float.infinity
        for i in 0..<count where x[i] > m { m = x[i] }
        var sum: Double = 0
        for i in 0..<count { sum += exp(Double(x[i] - m)) }
        return Double(m) + log(sum)
    }
}
