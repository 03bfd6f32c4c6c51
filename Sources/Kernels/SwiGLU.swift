import CKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Llama feed-forward gate: `silu(gate) · up`, with `silu(x) = x / (1 + e^(-x))`.
public enum SwiGLU {
    /// For each of `rows` rows laid out as `[gate (width) | up (width)]` (the fused gate/up
    /// projection), writes `silu(gate) · up` into `output` (`rows × width`).
    public static func apply(
        fused: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let box = UncheckedBox((fused, output))
        Parallel.ranges(rows, granularity: 8) { range in
            let (fused, output) = box.value
            // In C (`FastExp`'s method), vectorised for this CPU in any build.
            for r in range {
                ck_swiglu(fused + r * 2 * width, fused + r * 2 * width + width, output + r * width, width)
            }
        }
    }

    /// Scalar reference twin.
    public static func reference(
        fused: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            for i in 0..<width {
                let x = fused[r * 2 * width + i]
                output[r * width + i] = x / (1 + expf(-x)) * fused[r * 2 * width + width + i]
            }
        }
    }
}
