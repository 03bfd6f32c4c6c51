/// Q5_0 weights · Q8 activations: per block `d_w · d_a · Σ (q − 16) q_a` with 5-bit `q`
/// (ggml `ggml_vec_dot_q5_0_q8_0`); bit layout as in `Q5_0Format`.
extension Q5_0Format: QuantizedDotFormat {
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for k in 0..<blocks {
            let b = weights + k * bytesPerBlock
            let qh = b.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            var acc = 0
            for j in 0..<16 {
                let x0 = (Int(b.byte(6 + j) & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4) - 16
                let x1 = (Int(b.byte(6 + j) >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4) - 16
                acc += x0 * Int(q[32 * k + j]) + x1 * Int(q[32 * k + j + 16])
            }
            total += b.f16Reference(0) * d[k] * Float(acc)
        }
        return total
    }
}
