import GGUF
import Kernels

/// One weight product of the model, `y = x · Wᵀ`. Fused projections (Q/K/V, gate/up) are several
/// GGUF tensors stacked by rows.
///
/// The weights stay in their mapped GGUF blocks (issue 14): decode steps (a few rows) take the
/// integer decode kernel and prefill (many rows) the tiled int8 product, both on activations
/// quantized to int8 blocks (`QuantizedDot`). An `exact` projection instead keeps prefill in
/// fp32: `sgemm` on a dequantized copy when it fits the memory limit, else on tiles dequantized
/// on the fly; that is the path the 1e-4 comparisons with transformers take. Tensor types
/// without an integer product (F32, F16, BF16) always take it.
public struct Projection: @unchecked Sendable {
    // @unchecked Sendable: the matrix and the mapped file are read-only after load.

    /// One GGUF tensor's rows inside the fused output.
    struct Part {
        var data: UnsafeRawPointer
        var type: GGMLType
        var rows: Int
        var rowBytes: Int
    }

    /// The fp32 copy, shape [outputs, inputs]: only for an fp32 prefill whose copy fits the
    /// memory limit.
    public let dense: DenseMatrix?
    let parts: [Part]
    /// Whether every part has an integer dot product.
    public let supportsQuantized: Bool
    /// Whether prefill runs in fp32 (`LoadOptions.exact`, or no integer product).
    public let exactPrefill: Bool
    public let outputs: Int
    public let inputs: Int

    /// Output rows dequantized per tile when fp32 prefill has no copy.
    static let tileRows = 64

    /// - Parameters:
    ///   - exact: prefill in fp32 instead of the int8 product.
    ///   - denseFits: whether an fp32 copy may be kept when prefill is fp32.
    init(_ infos: [GGUFTensorInfo], file: GGUFFile, columns: Int, exact: Bool, denseFits: Bool) throws(ModelError) {
        try DenseMatrix.validate(infos, in: file, columns: columns)
        parts = infos.map {
            Part(data: file.data(for: $0).baseAddress!, type: $0.type, rows: $0.rowCount, rowBytes: $0.rowBytes)
        }
        supportsQuantized =
            columns % QuantizedActivations.blockSize == 0
            && infos.allSatisfy { QuantizedDot.isSupported($0.type) && columns % $0.type.blockSize == 0 }
        exactPrefill = exact || !supportsQuantized
        dense = exactPrefill && denseFits ? try DenseMatrix.load(infos, from: file, columns: columns) : nil
        outputs = infos.reduce(0) { $0 + $1.rowCount }
        inputs = columns
    }

    /// Bytes an fp32 copy takes.
    var denseBytes: Int { outputs * inputs * MemoryLayout<Float>.size }

    /// Whether `apply(…, quantized:)` multiplies int8-quantized activations (so its result may
    /// need `refineMaxima` where an exact maximum matters).
    func usesIntegerProduct(quantized: Bool) -> Bool { supportsQuantized && (quantized || !exactPrefill) }

    /// `y[rows, outputs] (+)= x[rows, inputs] · Wᵀ`, on all workers.
    /// - Parameters:
    ///   - accumulate: add into `y` (the residual stream) instead of overwriting it.
    ///   - quantized: a decode step: the integer decode kernel (when `supportsQuantized`). Else
    ///     the prefill product: int8 tiles, or fp32 for an `exactPrefill` projection.
    ///   - scratch: `rows × outputs` floats, used when accumulating an integer product.
    func apply(
        _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool, quantized: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
        guard usesIntegerProduct(quantized: quantized) else {
            if let dense {
                Matmul.timesTransposedParallel(
                    x, rows: rows, dense.data, rows: outputs, inner: inputs, into: y, beta: accumulate ? 1 : 0)
            } else {
                applyTiled(x, rows: rows, into: y, accumulate: accumulate)
            }
            return
        }
        var activations = try! QuantizedActivations(rows: rows, columns: inputs)  // columns % 32 checked at load
        activations.quantize(x)
        let target = accumulate ? scratch : y
        if quantized {
            applyDecode(activations, into: target)
        } else {
            applyProduct(activations, into: target)
        }
        if accumulate {
            for i in 0..<(rows * outputs) { y[i] += scratch[i] }
        }
    }

    /// Decode: one parallel loop over the rows of every part (a fused Q/K/V or gate/up), in
    /// ranges of 16 rows; a worker's range may cross from one part into the next.
    private func applyDecode(_ activations: QuantizedActivations, into out: UnsafeMutablePointer<Float>) {
        let n = outputs
        let box = UncheckedBox((out, parts, activations))
        Parallel.ranges(n, granularity: 16) { range in
            let (out, parts, activations) = box.value
            var first = 0
            for part in parts {
                let lo = max(range.lowerBound, first)
                let hi = min(range.upperBound, first + part.rows)
                if lo < hi {
                    try! QuantizedDot.timesTransposed(  // types and block multiples checked at load
                        activations, part.type, weights: part.data + (lo - first) * part.rowBytes, rows: hi - lo,
                        into: out + lo, ldc: n)
                }
                first += part.rows
            }
        }
    }

    /// Prefill: tasks of (weight-row tile, token range), each unpacking its tile once for all
    /// its tokens. Tiles are the kernel's register tile (32 rows with AVX-512), which keeps the
    /// workers even; the tokens are split only when there are too few tiles to go round, since
    /// every split unpacks the tiles again.
    private func applyProduct(_ activations: QuantizedActivations, into out: UnsafeMutablePointer<Float>) {
        let tileRows = QuantizedDot.productTileRows
        var tiles: [(part: Int, row: Int, count: Int, output: Int)] = []
        var first = 0
        for (index, part) in parts.enumerated() {
            for r in stride(from: 0, to: part.rows, by: tileRows) {
                tiles.append((index, r, min(tileRows, part.rows - r), first + r))
            }
            first += part.rows
        }
        let tokens = activations.rows
        let wanted = 4 * Parallel.threadCount
        let splits = min(max(1, (wanted + tiles.count - 1) / tiles.count), max(1, tokens / 16))
        let n = outputs
        let box = UncheckedBox((out, parts, activations, tiles))
        Parallel.forEach(tiles.count * splits) { task in
            let (out, parts, activations, tiles) = box.value
            let tile = tiles[task / splits]
            let split = task % splits
            let part = parts[tile.part]
            let tokenRange = (tokens * split / splits)..<(tokens * (split + 1) / splits)
            try! QuantizedDot.product(  // types and block multiples checked at load
                activations, tokens: tokenRange, part.type, weights: part.data + tile.row * part.rowBytes,
                rows: tile.count, into: out + tile.output, ldc: n)
        }
    }

    /// fp32 without a copy: each worker dequantizes `tileRows` weight rows at a time into its
    /// own scratch and multiplies them (issue 9: memory bounded by the tile, not the model).
    private func applyTiled(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool)
    {
        // Tiles never straddle two parts, so each is one GGUF type.
        var tiles: [(part: Int, row: Int, count: Int, output: Int)] = []
        var first = 0
        for (index, part) in parts.enumerated() {
            for r in stride(from: 0, to: part.rows, by: Self.tileRows) {
                tiles.append((index, r, min(Self.tileRows, part.rows - r), first + r))
            }
            first += part.rows
        }
        let box = UncheckedBox((x, y, parts, tiles))
        let n = outputs
        let k = inputs
        Parallel.ranges(tiles.count) { range in
            let (x, y, parts, tiles) = box.value
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Self.tileRows * k)
            defer { scratch.deallocate() }
            for t in range {
                let tile = tiles[t]
                let part = parts[tile.part]
                try! WeightFormats.dequantize(  // types validated at load
                    part.type, from: part.data + tile.row * part.rowBytes, count: tile.count * k, into: scratch)
                Matmul.timesTransposed(
                    x, rows: rows, lda: k, scratch, rows: tile.count, ldb: k, inner: k, into: y + tile.output, ldc: n,
                    beta: accumulate ? 1 : 0)
            }
        }
    }
}
