import GGUF
import Testing

@testable import Kernels

/// Integer dot products of quantized weights with Q8-quantized activations.
struct QuantizedDotTests {
    @Test func activationQuantizationByHand() throws {
        var x = [Float](repeating: 0, count: 64)
        x[0] = 127
        x[1] = -63.5  // a tie: rounds away from zero, as roundf does
        x[2] = 0.49
        x[3] = -127
        // Second block all zeros: scale 0 and quants 0, no division by zero.
        var a = try QuantizedActivations(rows: 1, columns: 64)
        x.withUnsafeBufferPointer { a.quantize($0.baseAddress!) }
        #expect(Array(a.quants[0..<4]) == [127, -64, 0, -127])
        #expect(a.scales == [1, 0])
        #expect(a.scaledSums == [-64, 0])
        #expect(a.quants[32...].allSatisfy { $0 == 0 })
    }

    /// The activation quants are exactly ggml's `quantize_row_q8_0` quants (gguf-py's Q8_0
    /// fixture), and the scales are those before f16 rounding.
    @Test func activationQuantizationMatchesGGUFPyQ8_0() throws {
        let (format, encoded, _) = try QuantFixtures.load(.q8_0)
        let inputName = try #require(format.input)
        let input = try QuantFixtures.floats(QuantFixtures.directory().appendingPathComponent(inputName))
        let rows = input.count / format.rowLength
        #expect(rows == format.rows - 1)
        var a = try QuantizedActivations(rows: rows, columns: format.rowLength)
        var reference = a
        input.withUnsafeBufferPointer {
            a.quantize($0.baseAddress!)
            reference.quantizeReference($0.baseAddress!)
        }
        #expect(a.quants == reference.quants)
        #expect(a.scales.map(\.bitPattern) == reference.scales.map(\.bitPattern))
        #expect(a.scaledSums.map(\.bitPattern) == reference.scaledSums.map(\.bitPattern))
        var differing = 0
        for block in 0..<(rows * a.blocksPerRow) {
            let stored = encoded[34 * block..<34 * block + 34]
            let d = HalfPrecision.float(
                fromF16: UInt16(stored[stored.startIndex]) | UInt16(stored[stored.startIndex + 1]) << 8)
            #expect(HalfPrecision.f16Bits(from: a.scales[block]) == HalfPrecision.f16Bits(from: d))
            for j in 0..<32 where a.quants[32 * block + j] != Int8(bitPattern: stored[stored.startIndex + 2 + j]) {
                differing += 1
            }
        }
        #expect(differing == 0)
    }

    @Test(arguments: QuantizedDot.supportedTypes)
    func fastEqualsReferenceAndFloatMath(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0xD07 + UInt64(type.rawValue))
        let columns = 512
        let weightRows = 24
        let batch = 3
        var weights = (0..<(weightRows * columns / 32 * type.bytesPerBlock)).map { _ in
            UInt8.random(in: 0...255, using: &rng)
        }
        WeightFormatsTests.makeHalfFieldsFinite(&weights, type: type)
        let x = (0..<(batch * columns)).map { i in
            Float.random(in: -1...1, using: &rng) * (i % 97 == 0 ? 4 : 1)
        }
        var a = try QuantizedActivations(rows: batch, columns: columns)
        x.withUnsafeBufferPointer { a.quantize($0.baseAddress!) }

        let ldc = weightRows + 5
        var fast = [Float](repeating: .nan, count: batch * ldc)
        var reference = fast
        try weights.withUnsafeBytes { w in
            try QuantizedDot.timesTransposed(a, type, weights: w.baseAddress!, rows: weightRows, into: &fast, ldc: ldc)
            try QuantizedDot.timesTransposedReference(
                a, type, weights: w.baseAddress!, rows: weightRows, into: &reference, ldc: ldc)
        }
        let dequantized = try WeightFormatsTests.decode(type, weights, count: weightRows * columns, reference: true)
        for i in 0..<batch {
            for j in 0..<weightRows {
                let got = fast[i * ldc + j]
                #expect(got.bitPattern == reference[i * ldc + j].bitPattern, "\(type) [\(i), \(j)]")
                // Against exact float math on the decoded weights: activation rounding moves each
                // x by at most d_a / 2, so the error is at most Σ_blocks d_a / 2 · Σ|w|.
                var exact = 0.0
                var bound = 0.0
                var magnitude = 0.0
                for k in 0..<columns {
                    let w = Double(dequantized[j * columns + k])
                    exact += w * Double(x[i * columns + k])
                    magnitude += abs(w * Double(x[i * columns + k]))
                    bound += abs(w) * Double(a.scales[i * a.blocksPerRow + k / 32]) / 2
                }
                #expect(abs(Double(got) - exact) <= bound + 1e-5 * magnitude, "\(type) [\(i), \(j)]")
                // And the bound is not vacuous: it is far below the size of the terms.
                #expect(bound < 0.1 * magnitude)
            }
            // Columns past `rows` in each output row are left alone.
            #expect(fast[i * ldc + weightRows].isNaN)
        }
    }

    @Test func realModelRows() throws {
        guard let path = TestModel.path else {
            Issue.record("default model not found; run `make model`")
            return
        }
        let file = try GGUFFile(path: path)
        for name in ["blk.0.attn_q.weight", "blk.7.ffn_down.weight", "token_embd.weight"] {
            let info = try #require(file.tensor(named: name))
            #expect(QuantizedDot.isSupported(info.type))
            let rows = 64
            var rng = SplitMix64(seed: 7)
            let x = (0..<info.rowLength).map { _ in Float.random(in: -2...2, using: &rng) }
            var a = try QuantizedActivations(rows: 1, columns: info.rowLength)
            x.withUnsafeBufferPointer { a.quantize($0.baseAddress!) }
            var y = [Float](repeating: 0, count: rows)
            var w = [Float](repeating: 0, count: rows * info.rowLength)
            let data = file.data(for: info).baseAddress!
            try QuantizedDot.timesTransposed(a, info.type, weights: data, rows: rows, into: &y)
            try WeightFormats.dequantize(info.type, from: data, count: rows * info.rowLength, into: &w)
            for j in 0..<rows {
                var exact = 0.0
                var bound = 0.0
                for k in 0..<info.rowLength {
                    exact += Double(w[j * info.rowLength + k]) * Double(x[k])
                    bound += abs(Double(w[j * info.rowLength + k])) * Double(a.scales[k / 32]) / 2
                }
                #expect(abs(Double(y[j]) - exact) <= bound * 1.001 + 1e-4, "\(name) row \(j)")
            }
        }
    }

    @Test func errors() throws {
        #expect(throws: KernelError.badCount(type: .q8_0, count: 48)) { try QuantizedActivations(rows: 1, columns: 48) }
        let a = try QuantizedActivations(rows: 1, columns: 256)
        var y: [Float] = [0]
        let w = [UInt8](repeating: 0, count: 1024)
        for type in [GGMLType.q6_K, .f32, .q4_K] {
            #expect(!QuantizedDot.isSupported(type))
            #expect(throws: KernelError.unsupportedType(type)) {
                try w.withUnsafeBytes {
                    try QuantizedDot.timesTransposed(a, type, weights: $0.baseAddress!, rows: 1, into: &y)
                }
            }
        }
        #expect(QuantizedDot.supportedTypes == [.q4_0, .q4_1, .q8_0])
    }
}
