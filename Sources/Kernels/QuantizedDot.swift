import GGUF

/// Weight-matrix × activation products on quantized data, for decode (DESIGN.md §3): the
/// activations are quantized to int8 blocks of 32 (`QuantizedActivations`) and each weight block
/// contributes `d_w · d_a · Σ q_w q_a` (plus `m_w · d_a · Σ q_a` for formats with a min), with the
/// sum taken in integers — the scheme of ggml's `ggml_vec_dot_q4_1_q8_1` and friends. Weights are
/// read straight from their GGUF blocks.
///
/// How the fast kernels are shaped (measured on AMD EPYC Zen 5, Swift 6.3.1, `-target-cpu native`;
/// see BENCHMARKS.md): each 32-weight block is widened to sixteen Int32 lanes
/// `p[j] = w[j]·a[j] + w[j+16]·a[j+16]`, and the lanes are scaled and accumulated as Floats
/// (`lane[j] += Float(p[j]) · d_w·d_a`); one horizontal sum per output ends the row. Summing each
/// block to one integer first (ggml's order) costs a horizontal reduction per block and ran at
/// half the speed. Two more things mattered: the activations are read as Int32
/// (`QuantizedActivations.wideQuants`), and the block's f16 scales are loaded as one 32-bit word
/// (`QuantizedDotKernel.halves`) so the conversion carries no false dependency between blocks.
///
/// Results equal the references up to the order of float additions; the integer block sums are
/// exact in both (see `QuantizedDotTests`).
public enum QuantizedDot {
    /// The weight types with an integer dot product.
    public static let supportedTypes: [GGMLType] = GGMLType.allCases.filter(isSupported)

    /// Whether `type` weights can be multiplied here (others: dequantize and use `Matmul`).
    public static func isSupported(_ type: GGMLType) -> Bool { format(for: type) != nil }

    /// `c[i, j] = Σ_k x[i, k] · W[j, k]` for every activation row `i` of `x` and each of the
    /// `rows` weight rows `j` at `weights` (ggml rows of `type`, `x.columns` elements each).
    /// `c` has shape [x.rows, ldc] (`ldc` defaults to `rows`). Each weight row is read once for
    /// the whole batch of activation rows: up to four activation rows share each unpacked block.
    public static func timesTransposed(
        _ x: QuantizedActivations, _ type: GGMLType, weights: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) throws(KernelError) {
        let format = try checked(type, x)
        let rowBytes = x.columns / type.blockSize * type.bytesPerBlock
        x.withRows {
            format.timesTransposed($0, weights: weights, rows: rows, rowBytes: rowBytes, into: c, ldc: ldc ?? rows)
        }
    }

    /// Same, element by element (tests compare the two).
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

    private static func checked(_ type: GGMLType, _ x: QuantizedActivations) throws(KernelError)
        -> any QuantizedDotFormat.Type
    {
        guard let format = format(for: type) else { throw .unsupportedType(type) }
        guard x.columns % type.blockSize == 0 else { throw .badCount(type: type, count: x.columns) }
        return format
    }
}

/// Raw views of a `QuantizedActivations`, passed to the kernels.
struct ActivationRows {
    /// Shape: [rows, columns].
    let quants: UnsafePointer<Int32>
    /// Shape: [rows, blocks].
    let scales: UnsafePointer<Float>
    /// Shape: [rows, blocks].
    let scaledSums: UnsafePointer<Float>
    let rows: Int
    let columns: Int
    let blocks: Int
}

extension QuantizedActivations {
    func withRows<R>(_ body: (ActivationRows) -> R) -> R {
        wideQuants.withUnsafeBufferPointer { q in
            scales.withUnsafeBufferPointer { d in
                scaledSums.withUnsafeBufferPointer { s in
                    body(
                        ActivationRows(
                            quants: q.baseAddress!, scales: d.baseAddress!, scaledSums: s.baseAddress!, rows: rows,
                            columns: columns, blocks: blocksPerRow))
                }
            }
        }
    }
}

/// A weight format with an integer dot product against `QuantizedActivations` rows.
///
/// Every format writes its own short `dotRows` that calls `QuantizedDotKernel.accumulate` with
/// its block geometry and literal arguments. One default implementation in this protocol's
/// extension was tried (2026-11-27, `easykv bench` kernel figures, one thread): Q4_0, Q4_1 and
/// Q8_0 kept their speed but Q5_0 and Q5_1 fell from 18–22 to 8.7 G weights/s and Q6_K from
/// 16.6 to 7.5, so the near-copies stay.
protocol QuantizedDotFormat: WeightFormat {
    /// `c[i · ldc] = Σ_k W[k] · x[i, k]` for one weight row at `weights` and the activation rows
    /// `i` in `first..<first+count` of `x`.
    static func dotRows(
        _ weights: UnsafeRawPointer, _ x: ActivationRows, first: Int, count: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int)

    /// `Σ_k W[k] · x[k]` over `blocks` activation blocks (32 values each) of one weight row at
    /// `weights` and one activation row: quants `q`, block scales `d`, scaled block sums `s`.
    /// Element by element, integer block sums, scales through the bit-level f16 reference.
    static func dotReference(
        _ weights: UnsafeRawPointer, _ q: UnsafePointer<Int8>, _ d: UnsafePointer<Float>,
        _ s: UnsafePointer<Float>, blocks: Int
    ) -> Float
}

extension QuantizedDotFormat {
    /// Weight rows in tiles of `tileRows`, and per tile the activation rows in groups of
    /// `QuantizedDotKernel.maxRows`: a tile is read from memory once and stays in L1 while every
    /// group passes over it, and a group's activations (up to 4 × 1536 Int32 for SmolLM2's
    /// widest input) stay in L1 too (batch 8 without tiles ran 20–30 % slower per row).
    static func timesTransposed(
        _ x: ActivationRows, weights: UnsafeRawPointer, rows: Int, rowBytes: Int, into c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        let tileRows = 16
        let group = QuantizedDotKernel.maxRows
        for tile in stride(from: 0, to: rows, by: tileRows) {
            let tileEnd = min(rows, tile + tileRows)
            for first in stride(from: 0, to: x.rows, by: group) {
                let count = min(group, x.rows - first)
                for j in tile..<tileEnd {
                    dotRows(weights + j &* rowBytes, x, first: first, count: count, into: c + j, ldc: ldc)
                }
            }
        }
    }
}
