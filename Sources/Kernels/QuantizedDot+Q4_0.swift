/// Q4_0 weights · Q8 activations: per block `d_w · d_a · Σ (n − 8) q_a` with `n` the nibbles
/// (ggml `ggml_vec_dot_q4_0_q8_0`); nibble layout as in `Q4_0Format`.
extension Q4_0Format: QuantizedDotFormat {
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for k in 0..<blocks {
            let b = weights + k * bytesPerBlock
            var acc = 0
            for j in 0..<16 {
                acc += (Int(b.byte(2 + j) & 0x0F) - 8) * Int(q[32 * k + j])
                acc += (Int(b.byte(2 + j) >> 4) - 8) * Int(q[32 * k + j + 16])
            }
            total += b.f16Reference(0) * d[k] * Float(acc)
        }
        return total
    }
}
