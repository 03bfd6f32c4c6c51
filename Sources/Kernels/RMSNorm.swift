/// RMSNorm (Zhang & Sennrich 2019; Llama): `y = x / sqrt(mean(x²) + ε) · w`, in fp32 as
/// Hugging Face's `LlamaRMSNorm` does.
public enum RMSNorm {
    /// Normalises `rows` rows of `width` from `x` into `y` (which may alias `x`).
    public static func apply(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, width: Int, epsilon: Float,
        into y: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let xr = x + r * width
            let yr = y + r * width
            var acc = SIMD16<Float>()
            var i = 0
            while i + 16 <= width {
                let v = UnsafeRawPointer(xr + i).loadUnaligned(as: SIMD16<Float>.self)
                acc += v * v
                i += 16
            }
            var sum = acc.sum()
            while i < width {
                sum += xr[i] * xr[i]
                i += 1
            }
            let scale = 1 / (sum / Float(width) + epsilon).squareRoot()
            for j in 0..<width { yr[j] = xr[j] * scale * weight[j] }
        }
    }
}
