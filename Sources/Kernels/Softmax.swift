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
        var m = -Float.infinity
        for i in 0..<count where x[i] > m { m = x[i] }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - m)
            x[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<count { x[i] *= inv }
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
