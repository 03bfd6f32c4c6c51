/// Q8_0 weights · Q8 activations: per block `d_w · d_a · Σ q_w q_a` (ggml `ggml_vec_dot_q8_0_q8_0`).
extension Q8_0Format: QuantizedDotFormat {
    static func dotRows(
        _ weights: UnsafeRawPointer, _ x: ActivationRows, first: Int, count: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        QuantizedDotKernel.inGroups(first, count) { first, rows in
            QuantizedDotKernel.accumulate(
                weights, x, first: first, rows: rows, superBlockBytes: bytesPerBlock, subBlocks: 1,
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
        scale[0] = QuantizedDotKernel.half(b, 0)
    }

    /// Writes the 32 integer weights of sub-block `g` in element order.
    @inline(__always)
    static func unpack(_ b: UnsafeRawPointer, _ g: Int, _ out: UnsafeMutablePointer<Int32>) {
        for j in 0..<32 {
            out[j] = Int32(b.load(fromByteOffset: 2 &+ j, as: Int8.self))
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
            for j in 0..<32 { acc += Int(Int8(bitPattern: b.byte(2 + j))) * Int(q[32 * k + j]) }
            total += b.f16Reference(0) * d[k] * Float(acc)
        }
        return total
    }
}
