#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Gemma feed-forward gate: `gelu(gate) · up` with GELU's tanh form,
/// `gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (Hendrycks & Gimpel 2016; transformers
/// `gelu_pytorch_tanh`, llama.cpp `ggml_gelu`). The erf form differs by up to ~1e-3 on a logit.
public enum GeGLU {
    /// √(2/π), as PyTorch's `kBeta = M_SQRT2 * M_2_SQRTPI * 0.5` in float.
    static let beta = Float((2 / Double.pi).squareRoot())
    static let kappa: Float = 0.044715

    /// For each of `rows` rows laid out as `[gate (width) | up (width)]` (the fused gate/up
    /// projection), writes `gelu(gate) · up` into `output` (`rows × width`).
    public static func apply(
        fused: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let box = UncheckedBox((fused, output))
        Parallel.ranges(rows, granularity: 8) { range in
            let (fused, output) = box.value
            for r in range {
                let gate = fused + r * 2 * width
                let up = gate + width
                let out = output + r * width
                for i in 0..<width {
                    let x = gate[i]
                    let inner = beta * (x + kappa * x * x * x)
                    out[i] = 0.5 * x * (1 + tanhf(inner)) * up[i]
                }
            }
        }
    }

    /// Reference twin, in Double.
    public static func reference(
        fused: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            for i in 0..<width {
                let x = Double(fused[r * 2 * width + i])
                let gelu = 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
                output[r * width + i] = Float(gelu * Double(fused[r * 2 * width + width + i]))
            }
        }
    }
}
