/// Q8_0 weights · Q8 activations: per block `d_w · d_a · Σ q_w q_a` (ggml `ggml_vec_dot_q8_0_q8_0`).
extension Q8_0Format: QuantizedDotFormat {
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for k in 0..<blocks {
            let b = weights + k * bytesPerBlock
            var acc = 0
            for j in 0..<32 { acc += Int(Int8(bitPattern: b.byte(2 + j))) * Int(q[32 * k + j]) }
            total += b.f16Reference(0) * d[k] * Float(acc)
        }
        return total
    }
}
