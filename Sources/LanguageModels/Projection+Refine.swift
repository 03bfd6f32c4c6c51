import Kernels

extension Projection {
    /// Euclidean norm of every weight row (for `refineMaxima`'s error bound).
    func rowNorms() -> [Float] {
        var norms = [Float](repeating: 0, count: outputs)
        withRows { j, row in
            var s: Double = 0
            for k in 0..<inputs { s += Double(row[k]) * Double(row[k]) }
            norms[j] = Float(s.squareRoot())
        }
        return norms
    }

    /// After a quantized product, recomputes in fp32 every output that could be the row's largest,
    /// so greedy decoding picks exactly the token fp32 arithmetic would.
    ///
    /// Quantizing the activations to int8 perturbs output `j` by `w_j · e`, at most
    /// `‖w_j‖·‖e‖` (Cauchy–Schwarz), where `e` is the activation rounding error. An output whose
    /// approximate value plus its bound falls below the best lower bound cannot be the maximum;
    /// the rest (on SmolLM2, about 3 of 49,152 per token) are recomputed exactly from dequantized rows.
    /// - Parameters:
    ///   - x: the activation rows (`rows × inputs`) the quantized product was computed from.
    ///   - y: that product (`rows × outputs`), refined in place.
    func refineMaxima(_ x: UnsafePointer<Float>, rows: Int, _ y: UnsafeMutablePointer<Float>, rowNorms: [Float]) {
        guard var activations = try? QuantizedActivations(rows: 1, columns: inputs) else { return }
        let row = UnsafeMutablePointer<Float>.allocate(capacity: inputs)
        defer { row.deallocate() }
        for r in 0..<rows {
            let xr = x + r * inputs
            let yr = y + r * outputs
            activations.quantize(xr)
            var errorSquared: Double = 0
            for k in 0..<inputs {
                let approximate = activations.scales[k / QuantizedActivations.blockSize] * Float(activations.quants[k])
                let e = Double(xr[k] - approximate)
                errorSquared += e * e
            }
            // Slack for the float rounding of the quantized sums themselves.
            let errorNorm = Float(errorSquared.squareRoot()) * 1.01 + 1e-4
            var bestLower = -Float.infinity
            for j in 0..<outputs { bestLower = max(bestLower, yr[j] - rowNorms[j] * errorNorm) }
            for j in 0..<outputs where yr[j] + rowNorms[j] * errorNorm >= bestLower {
                copyRow(j, into: row)
                var s: Float = 0
                for k in 0..<inputs { s += row[k] * xr[k] }
                yr[j] = s
            }
        }
    }

    /// Weight row `j` as fp32: from the dense copy, else dequantized.
    func copyRow(_ j: Int, into row: UnsafeMutablePointer<Float>) {
        if let dense {
            row.update(from: dense.data + j * inputs, count: inputs)
            return
        }
        var first = 0
        for part in parts {
            if j < first + part.rows {
                try! WeightFormats.dequantize(  // types validated at load
                    part.type, from: part.data + (j - first) * part.rowBytes, count: inputs, into: row)
                return
            }
            first += part.rows
        }
    }

    private func withRows(_ body: (Int, UnsafePointer<Float>) -> Void) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: inputs)
        defer { row.deallocate() }
        for j in 0..<outputs {
            copyRow(j, into: row)
            body(j, row)
        }
    }
}
