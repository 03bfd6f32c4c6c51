import Kernels

extension Projection {
    /// The most outputs per row `refineMaxima` recomputes in fp32.
    static let refineCandidates = 32

    /// Euclidean norm of every weight row (for `refineMaxima`'s error bound).
    func rowNorms() -> [Float] {
        var norms = [Float](repeating: 0, count: outputs)
        norms.withUnsafeMutableBufferPointer { out in
            let box = UncheckedBox(out.baseAddress!)
            Parallel.ranges(outputs, granularity: 256) { range in
                let row = UnsafeMutablePointer<Float>.allocate(capacity: inputs)
                defer { row.deallocate() }
                for j in range {
                    copyRow(j, into: row)
                    var s: Double = 0
                    for k in 0..<inputs { s += Double(row[k]) * Double(row[k]) }
                    box.value[j] = Float(s.squareRoot())
                }
            }
        }
        return norms
    }

    /// After an int8 product, recomputes in fp32 the outputs that could be the row's largest,
    /// so greedy decoding picks the token fp32 arithmetic would.
    ///
    /// Quantizing the activations to int8 perturbs output `j` by `w_j · e`, at most
    /// `‖w_j‖·‖e‖` (Cauchy–Schwarz), where `e` is the activation rounding error. An output whose
    /// approximate value plus its bound falls below the best lower bound cannot be the maximum;
    /// on SmolLM2 about 3 of 49,152 per token remain, and they are recomputed from dequantized
    /// rows.
    ///
    /// The recomputation is capped at `refineCandidates` outputs per row, those with the highest
    /// upper bounds (issue 14: with flat logits — a random-weight model — nearly every output
    /// passes the bound, and recomputing all of them cost 2.6 s per token). What the cap means
    /// for greedy decoding: when at most that many outputs pass, the choice is exactly fp32's;
    /// when more pass, it is fp32's choice among the capped candidates, and an output left out
    /// is one whose fp32 value the bound cannot separate from the maximum, so the token picked
    /// is within `2·max_j ‖w_j‖·‖e‖` of fp32's maximum logit.
    /// - Parameters:
    ///   - x: the activation rows (`rows × inputs`) the product was computed from.
    ///   - y: that product (`rows × outputs`), refined in place.
    func refineMaxima(_ x: UnsafePointer<Float>, rows: Int, _ y: UnsafeMutablePointer<Float>, rowNorms: [Float]) {
        let box = UncheckedBox((x, y))
        rowNorms.withUnsafeBufferPointer { norms in
            let normsBox = UncheckedBox(norms.baseAddress!)
            Parallel.ranges(rows) { range in
                let (x, y) = box.value
                let norms = normsBox.value
                let row = UnsafeMutablePointer<Float>.allocate(capacity: inputs)
                let candidates = UnsafeMutablePointer<Int>.allocate(capacity: Self.refineCandidates)
                defer {
                    row.deallocate()
                    candidates.deallocate()
                }
                var activations = try! QuantizedActivations(rows: 1, columns: inputs)  // checked at load
                for r in range {
                    let xr = x + r * inputs
                    let yr = y + r * outputs
                    activations.quantize(xr)
                    // Slack for the float rounding of the quantized sums themselves.
                    let errorNorm = activations.roundingError(row: 0, of: xr) * 1.01 + 1e-4
                    let (count, _) = IntervalMaxima.candidates(
                        values: yr, bounds: norms, count: outputs, scale: errorNorm, capacity: Self.refineCandidates,
                        into: candidates)
                    for i in 0..<count {
                        let j = candidates[i]
                        copyRow(j, into: row)
                        var s: Float = 0
                        for k in 0..<inputs { s += row[k] * xr[k] }
                        yr[j] = s
                    }
                }
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
}
