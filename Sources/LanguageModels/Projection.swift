import GGUF
import Kernels

/// One weight product of the model, `y = x · Wᵀ`, with two ways to compute it: `sgemm` on the
/// fp32 copy for prefill (many rows), and integer dot products straight from the GGUF blocks
/// for decode (a few rows), where reading 4–8 bits per weight instead of 32 is what bounds speed
/// (DESIGN.md §3). Fused projections (Q/K/V, gate/up) are several GGUF tensors stacked by rows.
public struct Projection: @unchecked Sendable {
    // @unchecked Sendable: the matrix and the mapped file are read-only after load.

    /// One GGUF tensor's rows inside the fused output.
    struct Part {
        var data: UnsafeRawPointer
        var type: GGMLType
        var rows: Int
        var rowBytes: Int
    }

    /// The fp32 copy, shape [outputs, inputs]; nil when the model's fp32 weights would exceed
    /// the memory limit, and prefill dequantizes a tile of rows at a time instead.
    public let dense: DenseMatrix?
    let parts: [Part]
    /// Whether every part has an integer dot product.
    public let supportsQuantized: Bool
    public let outputs: Int
    public let inputs: Int

    /// Output rows dequantized per tile when there is no fp32 copy.
    static let tileRows = 64

    init(_ infos: [GGUFTensorInfo], file: GGUFFile, columns: Int, keepDense: Bool) throws(ModelError) {
        try DenseMatrix.validate(infos, in: file, columns: columns)
        dense = keepDense ? try DenseMatrix.load(infos, from: file, columns: columns) : nil
        parts = infos.map {
            Part(data: file.data(for: $0).baseAddress!, type: $0.type, rows: $0.rowCount, rowBytes: $0.rowBytes)
        }
        supportsQuantized =
            columns % QuantizedActivations.blockSize == 0
            && infos.allSatisfy { QuantizedDot.isSupported($0.type) && columns % $0.type.blockSize == 0 }
        outputs = infos.reduce(0) { $0 + $1.rowCount }
        inputs = columns
    }

    /// Bytes an fp32 copy takes.
    var denseBytes: Int { outputs * inputs * MemoryLayout<Float>.size }

    /// `y[rows, outputs] (+)= x[rows, inputs] · Wᵀ`, on all workers.
    /// - Parameters:
    ///   - accumulate: add into `y` (the residual stream) instead of overwriting it.
    ///   - quantized: use the integer dot products (only when `supportsQuantized`).
    ///   - scratch: `rows × outputs` floats, used when accumulating a quantized product.
    func apply(
        _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool, quantized: Bool,
        scratch: UnsafeMutablePointer<Float>
    ) {
        guard quantized && supportsQuantized else {
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
        let n = outputs
        // One parallel loop over the rows of every part (a fused Q/K/V or gate/up), in tiles of
        // 16 rows, the kernels' unit; a worker's range may cross from one part into the next.
        let box = UncheckedBox((target, parts, activations))
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
        if accumulate {
            for i in 0..<(rows * n) { y[i] += scratch[i] }
        }
    }

    /// Without an fp32 copy: each worker dequantizes `tileRows` weight rows at a time into its
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
