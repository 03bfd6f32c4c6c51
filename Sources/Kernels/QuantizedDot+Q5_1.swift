/// Q5_1 weights · Q8 activations: per block `d_w · d_a · Σ q q_a + m_w · (d_a Σ q_a)` with 5-bit
/// `q` (ggml `ggml_vec_dot_q5_1_q8_1`); bit layout as in `Q5_1Format`.
extension Q5_1Format: QuantizedDotFormat {
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
        let qh = b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        for j in 0..<16 {
            let byte = UInt32(b.byte(8 &+ j))
            let low = (byte & 0x0F) | (((qh &>> UInt32(j)) & 1) &<< 4)
            let high = (byte >> 4) | (((qh &>> UInt32(j &+ 16)) & 1) &<< 4)
            out[j] = Int32(bitPattern: low)
            out[j &+ 16] = Int32(bitPattern: high)
        }
    }

    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var total: Float = 0
        for k in 0..<blocks {
            let b = weights + k * bytesPerBlock
            let qh = b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            var acc = 0
            for j in 0..<16 {
                let x0 = Int(b.byte(8 + j) & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
                let x1 = Int(b.byte(8 + j) >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
                acc += x0 * Int(q[32 * k + j]) + x1 * Int(q[32 * k + j + 16])
            }
            total += b.f16Reference(0) * d[k] * Float(acc) + b.f16Reference(2) * s[k]
        }
        return total
    }
}
