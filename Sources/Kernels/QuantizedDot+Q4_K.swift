/// Q4_K weights · Q8 activations. Each 32-weight sub-block `g` of a super-block has the weights
/// `d·sc_g · q − dmin·m_g` and meets one activation block, so it contributes
/// `d·sc_g · d_a · Σ q q_a − dmin·m_g · (d_a Σ q_a)` (ggml `ggml_vec_dot_q4_K_q8_K` does the same
/// with 256-value activation blocks). Layout as in `Q4_KFormat` and `KQuantScales`.
extension Q4_KFormat: QuantizedDotFormat {
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for sb in 0..<(blocks / 8) {
            let b = weights + sb * bytesPerBlock
            let dw = b.f16Reference(0)
            let dmin = b.f16Reference(2)
            for g in 0..<8 {
                let (sc, m) = KQuantScales.scaleAndMin(g, b + 4)
                let block = 8 * sb + g
                var acc = 0
                for l in 0..<32 {
                    let byte = b.byte(16 + 32 * (g / 2) + l)
                    let n = g % 2 == 0 ? byte & 0x0F : byte >> 4
                    acc += Int(n) * Int(q[32 * block + l])
                }
                total += dw * Float(sc) * d[block] * Float(acc) - dmin * Float(m) * s[block]
            }
        }
        return total
    }
}
