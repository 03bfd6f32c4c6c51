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

    /// Shape: [outputs, inputs].
    public let dense: DenseMatrix
    let parts: [Part]
    /// Whether every part has an integer dot product.
    public let supportsQuantized: Bool

    public var outputs: Int { dense.rows }
    public var inputs: Int { dense.columns }

    init(_ infos: [GGUFTensorInfo], file: GGUFFile, columns: Int) throws(ModelError) {
        dense = try DenseMatrix.load(infos, from: file, columns: columns)
        parts = infos.map {
            Part(data: file.data(for: $0).baseAddress!, type: $0.type, rows: $0.rowCount, rowBytes: $0.rowBytes)
        }
        supportsQuantized = infos.allSatisfy { QuantizedDot.isSupported($0.type) } && columns % 32 == 0
    }

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
            Matmul.timesTransposedParallel(
                x, rows: rows, dense.data, rows: outputs, inner: inputs, into: y, beta: accumulate ? 1 : 0)
            return
        }
        var activations = try! QuantizedActivations(rows: rows, columns: inputs)  // columns % 32 checked at load
        activations.quantize(x)
        let target = accumulate ? scratch : y
        let n = outputs
        var first = 0
        for part in parts {
            let box = UncheckedBox((target + first, part, activations))
            Parallel.ranges(part.rows, granularity: 8) { r in
                let (out, part, activations) = box.value
                try! QuantizedDot.timesTransposed(  // types checked at load
                    activations, part.type, weights: part.data + r.lowerBound * part.rowBytes, rows: r.count,
                    into: out + r.lowerBound, ldc: n)
            }
            first += part.rows
        }
        if accumulate {
            for i in 0..<(rows * n) { y[i] += scratch[i] }
        }
    }
}
