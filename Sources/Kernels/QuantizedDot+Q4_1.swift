/// Q4_1 weights · Q8 activations: per block `d_w · d_a · Σ n q_a + m_w · (d_a Σ q_a)` with `n`
/// the nibbles (ggml `ggml_vec_dot_q4_1_q8_1`); nibble layout as in `Q4_1Format`.
extension Q4_1Format: QuantizedDotFormat {
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for k in 0..<blocks {
            let b = weights + k * bytesPerBlock
            var acc = 0
            for j in 0..<16 {
                acc += Int(b.byte(4 + j) & 0x0F) * Int(q[32 * k + j])
                acc += Int(b.byte(4 + j) >> 4) * Int(q[32 * k + j + 16])
            }
            total += b.f16Reference(0) * d[k] * Float(acc) + b.f16Reference(2) * s[k]
        }
        return total
    }
}
