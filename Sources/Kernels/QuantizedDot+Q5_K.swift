/// Q5_K weights · Q8 activations: as Q4_K (`QuantizedDot+Q4_K.swift`) with 5-bit `q`, the fifth
/// bit of element `l` of sub-block `g` being bit `g` of `qh[l]` (ggml `ggml_vec_dot_q5_K_q8_K`).
/// Layout as in `Q5_KFormat`.
extension Q5_KFormat: QuantizedDotFormat {
    static func dotRows(
        _ weights: UnsafeRawPointer, _ x: ActivationRows, first: Int, count: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        QuantizedDotKernel.inGroups(first, count) { first, rows in
            QuantizedDotKernel.accumulate(
                weights, x, first: first, rows: rows, superBlockBytes: bytesPerBlock, subBlocks: 8,
                hasMin: true, into: c + first &* ldc, ldc: ldc,
                scales: { blockScales($0, $1, $2) },
                unpack: { unpack($0, $1, $2) })
        }
    }

    /// Writes the weight scale (and min term) of each sub-block; see `QuantizedDotKernel.accumulate`.
    @inline(__always)
    static func blockScales(
        _ b: UnsafeRawPointer, _ scale: UnsafeMutablePointer<Float>, _ minimum: UnsafeMutablePointer<Float>
    ) {
        let (d, dmin) = QuantizedDotKernel.halves(b.loadUnaligned(as: UInt32.self))
        for g in 0..<8 {
            let (sc, m) = KQuantScales.scaleAndMin(g, b + 4)
            scale[g] = d * Float(sc)
            minimum[g] = -dmin * Float(m)
        }
    }

    /// Writes the 32 integer weights of sub-block `g` in element order.
    @inline(__always)
    static func unpack(_ b: UnsafeRawPointer, _ g: Int, _ out: UnsafeMutablePointer<Int32>) {
        // Constant nibble shifts per branch (see Q4_K); the fifth bit is tested against a mask,
        // which vectorises without a variable shift.
        let q = b + (48 &+ 32 &* (g &>> 1))
        let qh = b + 16
        let mask = UInt8(truncatingIfNeeded: 1 &<< g)
        if g & 1 == 0 {
            for l in 0..<32 {
                let high: UInt8 = qh.byte(l) & mask != 0 ? 16 : 0
                out[l] = Int32(truncatingIfNeeded: (q.byte(l) & 0x0F) | high)
            }
        } else {
            for l in 0..<32 {
                let high: UInt8 = qh.byte(l) & mask != 0 ? 16 : 0
                out[l] = Int32(truncatingIfNeeded: (q.byte(l) >> 4) | high)
            }
        }
    }

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
