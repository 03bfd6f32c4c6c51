#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Llama feed-forward gate: `silu(gate) · up`, with `silu(x) = x / (1 + e^(-x))`.
public enum SwiGLU {
    /// For each of `rows` rows laid out as `[gate (width) | up (width)]` (the fused gate/up
    /// projection), writes `silu(gate) · up` into `output` (`rows × width`).
    public static func apply(fused: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let g = fused + r * 2 * width
            let u = g + width
            let o = output + r * width
            for i in 0..<width {
                let x = g[i]
                o[i] = x / (1 + expf(-x)) * u[i]
            }
        }
    }
}
