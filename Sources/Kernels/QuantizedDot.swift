import CKernels
import GGUF

/// Weight-matrix × activation products on quantized data (DESIGN.md §3): the activations are
/// quantized to int8 blocks of 32 (`QuantizedActivations`) and each weight block contributes
/// `d_w · d_a · Σ q_w q_a` (plus `m_w · d_a · Σ q_a` for formats with a min), with the sum taken
/// in integers — the scheme of ggml's `ggml_vec_dot_q4_1_q8_1` and friends. Weights are read
/// straight from their GGUF blocks.
///
/// The work runs in C (`CKernels`, the `KernelSet` this CPU has), in two shapes:
/// - `timesTransposed`, for decode (a few activation rows): each weight block is unpacked into a
///   register and meets up to four activation rows, lanes along k;
/// - `product`, for prefill (many rows): a tile of weight rows is unpacked once into an
///   interleaved layout whose lanes run along the weight rows, so one `vpdpbusd` multiplies four
///   k's of 16 rows by four broadcast activation bytes, and every activation row reuses the tile.
///
/// Both equal the references up to the order of float additions; the integer block sums are
/// exact in both (see `QuantizedDotTests`). In either shape a row's result does not depend on
/// the rows computed with it.
public enum QuantizedDot {
    /// The weight types with an integer dot product.
    public static let supportedTypes: [GGMLType] = GGMLType.allCases.filter(isSupported)

    /// Whether `type` weights can be multiplied here (others: dequantize and use `Matmul`).
    public static func isSupported(_ type: GGMLType) -> Bool { format(for: type) != nil }

    /// Weight rows per call of `product` that keep its tiles whole (any count works).
    public static var productTileRows: Int { ck_gemm_tile_rows(-1) }

    /// `c[i, j] = Σ_k x[i, k] · W[j, k]` for every activation row `i` of `x` and each of the
    /// `rows` weight rows `j` at `weights` (ggml rows of `type`, `x.columns` elements each).
    /// `c` has shape [x.rows, ldc] (`ldc` defaults to `rows`). For decode: each unpacked weight
    /// block serves up to four activation rows. `kernels` defaults to the current `KernelSet`.
    public static func timesTransposed(
        _ x: QuantizedActivations, _ type: GGMLType, weights: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil, kernels: KernelSet? = nil
    ) throws(KernelError) {
        try checked(type, x)
        let rowBytes = x.columns / type.blockSize * type.bytesPerBlock
        let set = kernels.index
        x.withCView { ck_dot_rows(set, Int32(type.rawValue), weights, rowBytes, rows, $0, c, ldc ?? rows) }
    }

    /// The same product for activation rows `tokens` of `x` only (`c` still indexed by the row
    /// number in `x`), through the tiled kernel: for prefill, where many activation rows share
    /// each unpacked tile of weight rows.
    public static func product(
        _ x: QuantizedActivations, tokens: Range<Int>, _ type: GGMLType, weights: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil, kernels: KernelSet? = nil
    ) throws(KernelError) {
        try checked(type, x)
        let set = kernels.index
        precondition(tokens.lowerBound >= 0 && tokens.upperBound <= x.rows, "token rows outside the activations")
        let rowBytes = x.columns / type.blockSize * type.bytesPerBlock
        x.withCView {
            ck_gemm(
                set, Int32(type.rawValue), weights, rowBytes, rows, $0, tokens.lowerBound, tokens.count, c, ldc ?? rows)
        }
    }

    /// Same as `timesTransposed`, element by element (tests compare the two).
    public static func timesTransposedReference(
        _ x: QuantizedActivations, _ type: GGMLType, weights: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) throws(KernelError) {
        let format = try checked(type, x)
        let rowBytes = x.columns / type.blockSize * type.bytesPerBlock
        let ldc = ldc ?? rows
        let blocks = x.blocksPerRow
        x.quants.withUnsafeBufferPointer { q in
            x.scales.withUnsafeBufferPointer { d in
                x.scaledSums.withUnsafeBufferPointer { s in
                    for j in 0..<rows {
                        for i in 0..<x.rows {
                            c[i * ldc + j] = format.dotReference(
                                weights + j * rowBytes, q.baseAddress! + i * x.columns, d.baseAddress! + i * blocks,
                                s.baseAddress! + i * blocks, blocks: blocks)
                        }
                    }
                }
            }
        }
    }

    static func format(for type: GGMLType) -> (any QuantizedDotFormat.Type)? {
        switch type {
        case .q4_0: Q4_0Format.self
        case .q4_1: Q4_1Format.self
        case .q5_0: Q5_0Format.self
        case .q5_1: Q5_1Format.self
        case .q8_0: Q8_0Format.self
        case .q4_K: Q4_KFormat.self
        case .q5_K: Q5_KFormat.self
        case .q6_K: Q6_KFormat.self
        default: nil
        }
    }

    @discardableResult
    private static func checked(_ type: GGMLType, _ x: QuantizedActivations) throws(KernelError)
        -> any QuantizedDotFormat.Type
    {
        guard let format = format(for: type), ck_supports_format(Int32(type.rawValue)) != 0 else {
            throw .unsupportedType(type)
        }
        guard x.columns % type.blockSize == 0 else { throw .badCount(type: type, count: x.columns) }
        return format
    }
}

/// A weight format with a scalar reference for its integer dot product against
/// `QuantizedActivations` rows (the C kernels are held to it by the tests).
protocol QuantizedDotFormat: WeightFormat {
    /// `Σ_k W[k] · x[k]` over `blocks` activation blocks (32 values each) of one weight row at
    /// `weights` and one activation row: quants `q`, block scales `d`, scaled block sums `s`.
    /// Element by element, integer block sums, scales through the bit-level f16 reference.
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float
}
