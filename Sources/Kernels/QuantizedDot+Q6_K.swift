/// Q6_K weights · Q8 activations. The weights are `d·sc_i · (q − 32)` with a signed 8-bit scale per
/// 16 values, so each 32-value activation block meets two scales:
/// `d · d_a · (sc_2g · Σ_low + sc_2g+1 · Σ_high)` over the block's two halves of 16 (ggml
/// `ggml_vec_dot_q6_K_q8_K` also sums per 16). The reference keeps the two integer sums apart;
/// the fast kernel multiplies each half's scale into its unpacked weights, which is the same
/// integer (|(q − 32) · sc · q_a| ≤ 32 · 128 · 127, so lane sums stay far below 2^24) and leaves
/// one float scale per block. Layout as in `Q6_KFormat`.
extension Q6_KFormat: QuantizedDotFormat {
    static func dotRows(
        _ weights: UnsafeRawPointer, _ x: ActivationRows, first: Int, count: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        QuantizedDotKernel.inGroups(first, count) { first, rows in
            QuantizedDotKernel.accumulate(
                weights, x, first: first, rows: rows, superBlockBytes: bytesPerBlock, subBlocks: 8,
                hasMin: false, into: c + first &* ldc, ldc: ldc,
                scales: { blockScales($0, $1, $2) },
                unpack: { unpack($0, $1, $2) })
        }
    }

    /// Writes the weight scale (and min term) of each sub-block; see `QuantizedDotKernel.accumulate`.
    @inline(__always)
    static func blockScales(
        _ b: UnsafeRawPointer, _ scale: UnsafeMutablePointer<Float>, _ minimum: UnsafeMutablePointer<Float>
    ) {
        let d = QuantizedDotKernel.half(b, 208)
        for g in 0..<8 { scale[g] = d }
    }

    /// Writes the 32 integer weights of sub-block `g` in element order.
    @inline(__always)
    static func unpack(_ b: UnsafeRawPointer, _ g: Int, _ out: UnsafeMutablePointer<Int32>) {
        // Sub-block g is elements 32g..<32g+32: half h = g / 4, quarter t = g % 4, which picks
        // the nibble of `ql` and the bit pair of `qh`. One branch per quarter keeps every shift
        // constant (see Q4_K).
        let h = g &>> 2
        let scaleLow = Int32(b.load(fromByteOffset: 192 &+ 2 &* g, as: Int8.self))
        let scaleHigh = Int32(b.load(fromByteOffset: 193 &+ 2 &* g, as: Int8.self))
        let ql = b + 64 &* h
        let qh = b + (128 &+ 32 &* h)
        switch g & 3 {
        case 0:
            for l in 0..<32 {
                let q = (ql.byte(l) & 0x0F) | (qh.byte(l) & 0x03) &<< 4
                out[l] = Int32(truncatingIfNeeded: q) &- 32
            }
        case 1:
            for l in 0..<32 {
                let q = (ql.byte(l &+ 32) & 0x0F) | (qh.byte(l) & 0x0C) &<< 2
                out[l] = Int32(truncatingIfNeeded: q) &- 32
            }
        case 2:
            for l in 0..<32 {
                let q = (ql.byte(l) >> 4) | (qh.byte(l) & 0x30)
                out[l] = Int32(truncatingIfNeeded: q) &- 32
            }
        default:
            for l in 0..<32 {
                let q = (ql.byte(l &+ 32) >> 4) | (qh.byte(l) & 0xC0) &>> 2
                out[l] = Int32(truncatingIfNeeded: q) &- 32
            }
        }
        for l in 0..<16 {
            out[l] &*= scaleLow
            out[l &+ 16] &*= scaleHigh
        }
    }

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
