import GGUF

/// Weight-matrix × activation products on quantized data, for decode (DESIGN.md §3): the
/// activations are quantized to int8 blocks of 32 (`QuantizedActivations`) and each weight block
/// contributes `d_w · d_a · Σ q_w q_a` (plus `m_w · d_a · Σ q_a` for formats with a min), with the
/// sum taken in integers — the scheme of ggml's `ggml_vec_dot_q4_1_q8_1` and friends. Weights are
/// read straight from their GGUF blocks.
public enum QuantizedDot {
    /// The weight types with an integer dot product.
    public static let supportedTypes: [GGMLType] = GGMLType.allCases.filter(isSupported)

    /// Whether `type` weights can be multiplied here (others: dequantize and use `Matmul`).
    public static func isSupported(_ type: GGMLType) -> Bool { format(for: type) != nil }

    /// `c[i, j] = Σ_k x[i, k] · W[j, k]` for every activation row `i` of `x` and each of the
    /// `rows` weight rows `j` at `weights` (ggml rows of `type`, `x.columns` elements each).
    /// `c` has shape [x.rows, ldc] (`ldc` defaults to `rows`). Each weight row is read once for
    /// the whole batch of activation rows.
    public static func timesTransposed(
        _ x: QuantizedActivations, _ type: GGMLType, weights: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) throws(KernelError) {
        let format = try checked(type, x)
        run(x, weights: weights, rows: rows, rowBytes: x.blocksPerRow * type.bytesPerBlock, into: c, ldc: ldc ?? rows) {
            format.dot($0, $1, $2, $3, blocks: $4)
        }
    }

    /// Same, element by element (tests compare the two).
    public static func timesTransposedReference(
        _ x: QuantizedActivations, _ type: GGMLType, weights: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) throws(KernelError) {
        let format = try checked(type, x)
        run(x, weights: weights, rows: rows, rowBytes: x.blocksPerRow * type.bytesPerBlock, into: c, ldc: ldc ?? rows) {
            format.dotReference($0, $1, $2, $3, blocks: $4)
        }
    }

    static func format(for type: GGMLType) -> (any QuantizedDotFormat.Type)? {
        switch type {
        case .q4_0: Q4_0Format.self
        case .q4_1: Q4_1Format.self
        case .q8_0: Q8_0Format.self
        default: nil
        }
    }

    private static func checked(_ type: GGMLType, _ x: QuantizedActivations) throws(KernelError)
        -> any QuantizedDotFormat.Type
    {
        guard let format = format(for: type) else { throw .unsupportedType(type) }
        guard x.columns % type.blockSize == 0 else { throw .badCount(type: type, count: x.columns) }
        return format
    }

    /// Loops weight rows outside, activation rows inside, so a weight row stays in L1 while the
    /// batch reuses it.
    @inline(__always)
    private static func run(
        _ x: QuantizedActivations, weights: UnsafeRawPointer, rows: Int, rowBytes: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int,
        _ dot: (UnsafeRawPointer, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float
    ) {
        let blocks = x.blocksPerRow
        x.quants.withUnsafeBufferPointer { q in
            x.scales.withUnsafeBufferPointer { d in
                x.scaledSums.withUnsafeBufferPointer { s in
                    for j in 0..<rows {
                        let row = weights + j &* rowBytes
                        for i in 0..<x.rows {
                            c[i &* ldc &+ j] = dot(
                                row, q.baseAddress! + i &* x.columns, d.baseAddress! + i &* blocks,
                                s.baseAddress! + i &* blocks, blocks)
                        }
                    }
                }
            }
        }
    }
}

/// A weight format with an integer dot product against `QuantizedActivations` rows.
protocol QuantizedDotFormat: WeightFormat {
    /// `Σ_k W[k] · x[k]` over `blocks` blocks of one weight row at `weights` and one activation
    /// row: quants `q`, block scales `d`, scaled block sums `s`.
    static func dot(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float

    /// Same, element by element, scales through the bit-level f16 reference.
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float
}
