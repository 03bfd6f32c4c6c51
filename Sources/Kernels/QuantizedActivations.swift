import CKernels

/// Rows of activations quantized to Q8_0-style blocks, the right-hand side of the integer
/// products (DESIGN.md §3).
///
/// Per block of 32 values: `d = max|x| / 127`, `q = round(x / d)` rounding half away from zero —
/// the quants of ggml's `quantize_row_q8_0_ref` (ggml-quants.c) — and `s = d · Σq`, the `s` of
/// ggml's `block_q8_1`, which weight formats with a min (Q4_1) need. Unlike ggml, `d` stays a
/// Float instead of being rounded to f16. The integer sums `Σq` per block and per half block let
/// the kernels subtract a weight format's offset exactly (`CKernels`).
public struct QuantizedActivations: Sendable {
    /// Values per block.
    public static let blockSize = 32

    /// Number of activation rows (tokens of the step).
    public let rows: Int
    /// Values per row; a multiple of 32.
    public let columns: Int
    /// Shape: [rows, columns].
    public private(set) var quants: [Int8]
    /// Shape: [rows, columns / 32]: the block scales `d`.
    public private(set) var scales: [Float]
    /// Shape: [rows, columns / 32]: `d · Σq` per block.
    public private(set) var scaledSums: [Float]
    /// Shape: [rows, columns / 32]: `Σq` per block.
    public private(set) var blockSums: [Int32]
    /// Shape: [rows, columns / 16]: `Σq` per 16 values (Q6_K's scales cover 16 weights).
    public private(set) var halfSums: [Int32]

    /// Room for `rows` rows of `columns` values, all zero.
    public init(rows: Int, columns: Int) throws(KernelError) {
        guard rows >= 0, columns >= 0, columns % Self.blockSize == 0 else {
            throw .badCount(type: .q8_0, count: columns)
        }
        self.rows = rows
        self.columns = columns
        quants = [Int8](repeating: 0, count: rows * columns)
        scales = [Float](repeating: 0, count: rows * columns / Self.blockSize)
        scaledSums = scales
        blockSums = [Int32](repeating: 0, count: rows * columns / Self.blockSize)
        halfSums = [Int32](repeating: 0, count: 2 * rows * columns / Self.blockSize)
    }

    /// Blocks per row.
    public var blocksPerRow: Int { columns / Self.blockSize }

    /// Quantizes `rows` rows of `columns` Floats at `x` (shape [rows, columns], row-major), with
    /// `kernels` (default: the current `KernelSet`; every set gives the same bits).
    public mutating func quantize(_ x: UnsafePointer<Float>, kernels: KernelSet? = nil) {
        let set = kernels.index
        let (rows, columns) = (self.rows, self.columns)
        quants.withUnsafeMutableBufferPointer { q in
            scales.withUnsafeMutableBufferPointer { d in
                scaledSums.withUnsafeMutableBufferPointer { s in
                    blockSums.withUnsafeMutableBufferPointer { b in
                        halfSums.withUnsafeMutableBufferPointer { h in
                            ck_quantize_rows(
                                set, x, rows, columns, q.baseAddress, d.baseAddress, s.baseAddress, b.baseAddress,
                                h.baseAddress)
                        }
                    }
                }
            }
        }
        markNonFiniteBlocks(x)
    }

    /// Gives every block that holds a NaN or an infinity the scale NaN, so every product it
    /// enters is NaN and the logits say the model is broken (issue 16 item 9). Without this a
    /// NaN could vanish: the portable set's `fmaxf` skips NaN, so a block of NaNs gets the scale
    /// 0 and contributes nothing, while the x86 sets' `max_ps` happen to keep it; now every set
    /// gives the same answer. One pass over the rows first: `x · 0` is 0 for a finite `x` and NaN
    /// otherwise, so the blocks are looked at only when something is wrong.
    private mutating func markNonFiniteBlocks(_ x: UnsafePointer<Float>) {
        let count = rows * columns
        let raw = UnsafeRawPointer(x)
        var probe = SIMD16<Float>()
        var i = 0
        while i < count {  // `columns` is a multiple of 32
            probe += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) * 0
            i += 16
        }
        guard probe.sum() != 0 else { return }  // false only for NaN
        for block in 0..<(rows * blocksPerRow) where !(0..<Self.blockSize).allSatisfy({ x[32 * block + $0].isFinite }) {
            scales[block] = .nan
            scaledSums[block] = .nan
        }
    }

    /// `‖x − x̂‖₂` of row `row`, where `x` is the row these quants were made from and `x̂` its
    /// dequantized form (`d · q`): the activation error that int8 rounding left.
    public func roundingError(row: Int, of x: UnsafePointer<Float>) -> Float {
        quants.withUnsafeBufferPointer { q in
            scales.withUnsafeBufferPointer { d in
                ck_quantization_error(
                    x, q.baseAddress! + row * columns, d.baseAddress! + row * blocksPerRow, columns)
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
            var halves = [0, 0]
            for j in 0..<32 {
                let v = (x[32 * block + j] * inverse).rounded(.toNearestOrAwayFromZero)
                quants[32 * block + j] = Int8(v)
                halves[j / 16] += Int(v)
            }
            scales[block] = scale
            scaledSums[block] = scale * Float(halves[0] + halves[1])
            blockSums[block] = Int32(halves[0] + halves[1])
            halfSums[2 * block] = Int32(halves[0])
            halfSums[2 * block + 1] = Int32(halves[1])
        }
    }

    /// The C view of these rows, valid inside `body`.
    func withCView<R>(_ body: (UnsafePointer<ck_activations>) -> R) -> R {
        quants.withUnsafeBufferPointer { q in
            scales.withUnsafeBufferPointer { d in
                scaledSums.withUnsafeBufferPointer { s in
                    blockSums.withUnsafeBufferPointer { b in
                        halfSums.withUnsafeBufferPointer { h in
                            var view = ck_activations(
                                quants: q.baseAddress, scales: d.baseAddress, scaled_sums: s.baseAddress,
                                block_sums: b.baseAddress, half_sums: h.baseAddress, rows: rows, columns: columns)
                            return withUnsafePointer(to: &view) { body($0) }
                        }
                    }
                }
            }
        }
    }
}
