/// Q4_K weights · Q8 activations. Each 32-weight sub-block `g` of a super-block has the weights
/// `d·sc_g · q − dmin·m_g` and meets one activation block, so it contributes
/// `d·sc_g · d_a · Σ q q_a − dmin·m_g · (d_a Σ q_a)` (ggml `ggml_vec_dot_q4_K_q8_K` does the same
/// with 256-value activation blocks). Layout as in `Q4_KFormat` and `KQuantScales`.
extension Q4_KFormat: QuantizedDotFormat {
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
        // Constant shifts in each branch: a shift by a variable amount has no byte form on x86
        // and went through 16-bit lanes (twice the instructions).
        let q = b + (16 &+ 32 &* (g &>> 1))
        if g & 1 == 0 {
            for l in 0..<32 { out[l] = Int32(truncatingIfNeeded: q.byte(l) & 0x0F) }
        } else {
            for l in 0..<32 { out[l] = Int32(truncatingIfNeeded: q.byte(l) >> 4) }
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
