/// Q6_K weights · Q8 activations. The weights are `d·sc_i · (q − 32)` with a signed 8-bit scale per
/// 16 values, so each 32-value activation block meets two scales:
/// `d · d_a · (sc_2g · Σ_low + sc_2g+1 · Σ_high)` over the block's two halves of 16 (ggml
/// `ggml_vec_dot_q6_K_q8_K` also sums per 16). The reference keeps the two integer sums apart;
/// the C kernels multiply each half's integer sum by its scale before the float scaling, which
/// is the same integer (`|sc · Σ (q − 32) q_a| ≤ 128 · 16 · 32 · 127`, so the block's sum stays
/// below 2^24) and leaves one float scale per block. Layout as in `Q6_KFormat`.
extension Q6_KFormat: QuantizedDotFormat {
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for sb in 0..<(blocks / 8) {
            let b = weights + sb * bytesPerBlock
            let dw = b.f16Reference(208)
            for group in 0..<16 {
                var acc = 0
                for i in 0..<16 {
                    let e = 16 * group + i
                    let (h, t, l) = (e / 128, e % 128 / 32, e % 32)
                    let lowByte = b.byte(64 * h + 32 * (t % 2) + l)
                    let low = Int(t < 2 ? lowByte & 0x0F : lowByte >> 4)
                    let high = Int(b.byte(128 + 32 * h + l) >> UInt8(2 * t) & 3)
                    acc += (low + 16 * high - 32) * Int(q[256 * sb + e])
                }
                let sc = Float(Int8(bitPattern: b.byte(192 + group)))
                total += dw * sc * d[8 * sb + group / 2] * Float(acc)
            }
        }
        return total
    }
}
