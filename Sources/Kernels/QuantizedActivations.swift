/// Rows of activations quantized to Q8_0-style blocks, the right-hand side of the integer dot
/// products decode uses (DESIGN.md §3).
///
/// Per block of 32 values: `d = max|x| / 127`, `q = round(x / d)` rounding half away from zero —
/// the quants of ggml's `quantize_row_q8_0_ref` (ggml-quants.c) — and `s = d · Σq`, the `s` of
/// ggml's `block_q8_1`, which weight formats with a min (Q4_1) need. Unlike ggml, `d` stays a
/// Float instead of being rounded to f16.
public struct QuantizedActivations: Sendable {
    /// Values per block.
    public static let blockSize = 32

    /// Number of activation rows (sequences in the batch).
    public let rows: Int
    /// Values per row; a multiple of 32.
    public let columns: Int
    /// Shape: [rows, columns].
    public private(set) var quants: [Int8]
    /// Shape: [rows, columns]: `quants` widened to Int32, the operand the fast dot products read.
    /// With Int32 on both sides LLVM multiplies 16 lanes at a time (`vpmulld`) and converts the
    /// lane sums with `vcvtdq2ps`; from Int8 it widens products to Int64 (`vpmuldq`, `vcvtqq2ps`)
    /// and runs at half the speed (measured with Swift 6.3.1 on AVX-512; see `QuantizedDot`).
    public private(set) var wideQuants: [Int32]
    /// Shape: [rows, columns / 32]: the block scales `d`.
    public private(set) var scales: [Float]
    /// Shape: [rows, columns / 32]: `d · Σq` per block.
    public private(set) var scaledSums: [Float]

    /// Room for `rows` rows of `columns` values, all zero.
    public init(rows: Int, columns: Int) throws(KernelError) {
        guard rows >= 0, columns >= 0, columns % Self.blockSize == 0 else {
            throw .badCount(type: .q8_0, count: columns)
        }
        self.rows = rows
        self.columns = columns
        quants = [Int8](repeating: 0, count: rows * columns)
        wideQuants = [Int32](repeating: 0, count: rows * columns)
        scales = [Float](repeating: 0, count: rows * columns / Self.blockSize)
        scaledSums = scales
    }

    /// Blocks per row.
    public var blocksPerRow: Int { columns / Self.blockSize }

    /// Quantizes `rows` rows of `columns` Floats at `x` (shape [rows, columns], row-major).
    public mutating func quantize(_ x: UnsafePointer<Float>) {
        let blocks = rows * blocksPerRow
        quants.withUnsafeMutableBufferPointer { q in
            wideQuants.withUnsafeMutableBufferPointer { wide in
                scales.withUnsafeMutableBufferPointer { d in
                    scaledSums.withUnsafeMutableBufferPointer { s in
                        for block in 0..<blocks {
                            let xb = x + 32 &* block
                            let qb = q.baseAddress! + 32 &* block
                            let wb = wide.baseAddress! + 32 &* block
                            var amax: Float = 0
                            for j in 0..<32 { amax = max(amax, abs(xb[j])) }
                            let scale = amax / 127
                            let inverse: Float = scale != 0 ? 1 / scale : 0
                            var sum: Int32 = 0
                            for j in 0..<32 {
                                let v = Int8((xb[j] * inverse).rounded())
                                qb[j] = v
                                wb[j] = Int32(v)
                                sum &+= Int32(v)
                            }
                            d[block] = scale
                            s[block] = scale * Float(sum)
                        }
                    }
                }
            }
        }
    }

    /// Same as `quantize`, element by element (tests compare the two).
    mutating func quantizeReference(_ x: UnsafePointer<Float>) {
        for block in 0..<(rows * blocksPerRow) {
            var amax: Float = 0
            for j in 0..<32 where abs(x[32 * block + j]) > amax { amax = abs(x[32 * block + j]) }
            let scale = amax / 127
            let inverse: Float = scale != 0 ? 1 / scale : 0
            var sum = 0
            for j in 0..<32 {
                let v = (x[32 * block + j] * inverse).rounded(.toNearestOrAwayFromZero)
                quants[32 * block + j] = Int8(v)
                wideQuants[32 * block + j] = Int32(v)
                sum += Int(v)
            }
            scales[block] = scale
            scaledSums[block] = scale * Float(sum)
        }
    }
}
