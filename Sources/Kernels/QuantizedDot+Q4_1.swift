/// Q4_1 weights · Q8 activations: per block `d_w · d_a · Σ n q_a + m_w · (d_a Σ q_a)` with `n`
/// the nibbles (ggml `ggml_vec_dot_q4_1_q8_1`); nibble layout as in `Q4_1Format`.
extension Q4_1Format: QuantizedDotFormat {
    static func dotRows(
        _ weights: UnsafeRawPointer, _ x: ActivationRows, first: Int, count: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        QuantizedDotKernel.inGroups(first, count) { first, rows in
            QuantizedDotKernel.accumulate(
                weights, x, first: first, rows: rows, superBlockBytes: bytesPerBlock, subBlocks: 1,
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
        (scale[0], minimum[0]) = QuantizedDotKernel.halves(b.loadUnaligned(as: UInt32.self))
    }

    /// Writes the 32 integer weights of sub-block `g` in element order.
    @inline(__always)
    static func unpack(_ b: UnsafeRawPointer, _ g: Int, _ out: UnsafeMutablePointer<Int32>) {
        for j in 0..<16 {
            let byte = b.byte(4 &+ j)
            out[j] = Int32(truncatingIfNeeded: byte & 0x0F)
            out[j &+ 16] = Int32(truncatingIfNeeded: byte >> 4)
        }
    }

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
