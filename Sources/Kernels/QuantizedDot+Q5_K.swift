/// Q5_K weights · Q8 activations: as Q4_K (`QuantizedDot+Q4_K.swift`) with 5-bit `q`, the fifth
/// bit of element `l` of sub-block `g` being bit `g` of `qh[l]` (ggml `ggml_vec_dot_q5_K_q8_K`).
/// Layout as in `Q5_KFormat`.
extension Q5_KFormat: QuantizedDotFormat {
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
                    let byte = b.byte(48 + 32 * (g / 2) + l)
                    let low = Int(g % 2 == 0 ? byte & 0x0F : byte >> 4)
                    let high = Int(b.byte(16 + l) >> UInt8(g) & 1) * 16
                    acc += (low + high) * Int(q[32 * block + l])
                }
                total += dw * Float(sc) * d[block] * Float(acc) - dmin * Float(m) * s[block]
            }
        }
        return total
    }
}
