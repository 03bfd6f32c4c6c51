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
            for r in range {
                let g = UnsafeRawPointer(fused + r * 2 * width)
                let u = g + width * 4
                let o = UnsafeMutableRawPointer(output + r * width)
                var i = 0
                while i + 16 <= width {
                    let x = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let up = u.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    o.storeBytes(of: x / (1 + FastExp.exp(-x)) * up, toByteOffset: i * 4, as: SIMD16<Float>.self)
                    i += 16
                }
                let gs = fused + r * 2 * width
                while i < width {
                    let x = gs[i]
                    output[r * width + i] = x / (1 + expf(-x)) * gs[width + i]
                    i += 1
                }
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
