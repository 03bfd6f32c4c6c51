import GGUF
import TestSupport
import Testing

@testable import Kernels

/// Integer dot products of quantized weights with Q8-quantized activations.
struct QuantizedDotTests {
    /// Every format with an integer dot product (DESIGN.md §3's quantized encodings).
    static let expectedTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// Fast kernel against reference on random data: relative to `Σ_k (|w_k| + minBound) · |x̂_k|`
    /// (x̂ the dequantized activations). Both sum the same exact integer block sums scaled in
    /// Float; they differ in the order of float additions and in fused multiply-adds, so each is
    /// within `(blocks + 5) · ε` of the exact sum of the terms (16 blocks here: 5e-6).
    static let reorderTolerance = 1e-5

    /// An upper bound on the magnitude of the min part of one weight in the random test data
    /// (`makeHalfFieldsFinite` keeps f16 fields below 2; K-quant mins are 6-bit multipliers of
    /// `dmin`).
    static func minBound(_ type: GGMLType) -> Double {
        switch type {
        case .q4_1, .q5_1: 2
        case .q4_K, .q5_K: 2 * 63
        default: 0
        }
    }

    @Test func supportsTheDesignFormats() {
        #expect(QuantizedDot.supportedTypes == Self.expectedTypes)
    }

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
        #expect(a.wideQuants == a.quants.map { Int32($0) })
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
        #expect(a.wideQuants == reference.wideQuants)
        #expect(a.wideQuants == a.quants.map { Int32($0) })
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

    /// Random blocks, a batch of 7 activation rows (groups of 4, 2 and 1) and 37 weight rows
    /// (tiles of 16 and a partial one): the fast kernel agrees with the reference within
    /// `reorderTolerance`, and both with float math on the dequantized weights within the
    /// activation-rounding bound.
    @Test(arguments: QuantizedDotTests.expectedTypes)
    func fastMatchesReferenceAndFloatMath(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0xD07 + UInt64(type.rawValue))
        let columns = 512
        let weightRows = 37
        let batch = 7
        var weights = (0..<(weightRows * columns / type.blockSize * type.bytesPerBlock)).map { _ in
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
        var worstReorder = 0.0
        for i in 0..<batch {
            for j in 0..<weightRows {
                let got = Double(fast[i * ldc + j])
                let ref = Double(reference[i * ldc + j])
                // Against exact float math on the decoded weights: activation rounding moves each
                // x by at most d_a / 2, so the error is at most Σ_blocks d_a / 2 · Σ|w|.
                var exact = 0.0
                var bound = 0.0
                var magnitude = 0.0
                var reorderScale = 0.0
                for k in 0..<columns {
                    let w = Double(dequantized[j * columns + k])
                    let da = Double(a.scales[i * a.blocksPerRow + k / 32])
                    let xHat = da * Double(a.quants[i * columns + k])
                    exact += w * Double(x[i * columns + k])
                    magnitude += abs(w * Double(x[i * columns + k]))
                    bound += abs(w) * da / 2
                    reorderScale += (abs(w) + Self.minBound(type)) * abs(xHat)
                }
                let reorder = abs(got - ref)
                worstReorder = max(worstReorder, reorder / reorderScale)
                #expect(reorder <= Self.reorderTolerance * reorderScale, "\(type) [\(i), \(j)]: \(got) vs \(ref)")
                for value in [got, ref] {
                    #expect(abs(value - exact) <= bound + 1e-5 * magnitude, "\(type) [\(i), \(j)]")
                }
                // And the bound is not vacuous: it is far below the size of the terms.
                #expect(bound < 0.1 * magnitude)
            }
            // Columns past `rows` in each output row are left alone.
            #expect(fast[i * ldc + weightRows].isNaN)
            #expect(reference[i * ldc + weightRows].isNaN)
        }
        // The two paths really do sum in different orders (or the tolerance would be moot),
        // but stay well inside it.
        #expect(worstReorder < Self.reorderTolerance / 2)
    }

    /// A row's result does not depend on the rows batched with it (groups of 4, 2 and 1 run the
    /// same operations per row in the same order): the forward pass relies on this so batch size
    /// never changes a sequence's output.
    @Test(arguments: QuantizedDotTests.expectedTypes)
    func batchingDoesNotChangeAnyRow(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0xBA7C + UInt64(type.rawValue))
        let columns = 256
        let weightRows = 19
        let batch = 7
        var weights = (0..<(weightRows * columns / type.blockSize * type.bytesPerBlock)).map { _ in
            UInt8.random(in: 0...255, using: &rng)
        }
        WeightFormatsTests.makeHalfFieldsFinite(&weights, type: type)
        let x = (0..<(batch * columns)).map { _ in Float.random(in: -1...1, using: &rng) }
        var all = try QuantizedActivations(rows: batch, columns: columns)
        x.withUnsafeBufferPointer { all.quantize($0.baseAddress!) }
        var together = [Float](repeating: .nan, count: batch * weightRows)
        try weights.withUnsafeBytes { w in
            try QuantizedDot.timesTransposed(all, type, weights: w.baseAddress!, rows: weightRows, into: &together)
            for i in 0..<batch {
                var one = try QuantizedActivations(rows: 1, columns: columns)
                x.withUnsafeBufferPointer { one.quantize($0.baseAddress! + i * columns) }
                var alone = [Float](repeating: .nan, count: weightRows)
                try QuantizedDot.timesTransposed(one, type, weights: w.baseAddress!, rows: weightRows, into: &alone)
                let row = Array(together[(i * weightRows)..<((i + 1) * weightRows)])
                #expect(row.map(\.bitPattern) == alone.map(\.bitPattern), "\(type) row \(i)")
            }
        }
    }

    /// Where every product and partial sum is an integer below 2^24 (f16 fields 1.0, activation
    /// blocks with scale 1), float addition is exact in any order: fast, reference and the
    /// integer dot product of the decoded weights agree bit for bit. This pins the integer part
    /// (unpacking, block sums, Q6_K's two halves) with no tolerance at all.
    @Test(arguments: QuantizedDotTests.expectedTypes)
    func exactWhereFloatSumsAreExact(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0xE7AC7 + UInt64(type.rawValue))
        let columns = 512
        let weightRows = 21
        let batch = 5
        var weights = (0..<(weightRows * columns / type.blockSize * type.bytesPerBlock)).map { _ in
            UInt8.random(in: 0...255, using: &rng)
        }
        Self.setHalfFieldsToOne(&weights, type: type)
        // Small integers with one ±127 per block: d_a = 1 exactly and x̂ = x.
        var x = (0..<(batch * columns)).map { _ in Float(Int.random(in: -3...3, using: &rng)) }
        for block in 0..<(batch * columns / 32) {
            x[32 * block + Int.random(in: 0..<32, using: &rng)] = Bool.random(using: &rng) ? 127 : -127
        }
        var a = try QuantizedActivations(rows: batch, columns: columns)
        x.withUnsafeBufferPointer { a.quantize($0.baseAddress!) }
        #expect(a.scales.allSatisfy { $0 == 1 })
        #expect(a.quants.map(Float.init) == x)

        var fast = [Float](repeating: .nan, count: batch * weightRows)
        var reference = fast
        try weights.withUnsafeBytes { w in
            try QuantizedDot.timesTransposed(a, type, weights: w.baseAddress!, rows: weightRows, into: &fast)
            try QuantizedDot.timesTransposedReference(
                a, type, weights: w.baseAddress!, rows: weightRows, into: &reference)
        }
        let dequantized = try WeightFormatsTests.decode(type, weights, count: weightRows * columns, reference: true)
        var nonzero = 0
        for i in 0..<batch {
            for j in 0..<weightRows {
                var exact = 0.0
                for k in 0..<columns { exact += Double(dequantized[j * columns + k]) * Double(x[i * columns + k]) }
                #expect(exact == exact.rounded() && abs(exact) < 0x1p24, "test data must stay in the exact regime")
                #expect(fast[i * weightRows + j] == Float(exact), "\(type) fast [\(i), \(j)]")
                #expect(reference[i * weightRows + j] == Float(exact), "\(type) reference [\(i), \(j)]")
                if exact != 0 { nonzero += 1 }
            }
        }
        #expect(nonzero > batch * weightRows / 2)
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
            let batch = 3
            var rng = SplitMix64(seed: 7)
            let x = (0..<(batch * info.rowLength)).map { _ in Float.random(in: -2...2, using: &rng) }
            var a = try QuantizedActivations(rows: batch, columns: info.rowLength)
            x.withUnsafeBufferPointer { a.quantize($0.baseAddress!) }
            var y = [Float](repeating: 0, count: batch * rows)
            var w = [Float](repeating: 0, count: rows * info.rowLength)
            let data = file.data(for: info).baseAddress!
            try QuantizedDot.timesTransposed(a, info.type, weights: data, rows: rows, into: &y)
            try WeightFormats.dequantize(info.type, from: data, count: rows * info.rowLength, into: &w)
            for i in 0..<batch {
                for j in 0..<rows {
                    var exact = 0.0
                    var bound = 0.0
                    for k in 0..<info.rowLength {
                        exact += Double(w[j * info.rowLength + k]) * Double(x[i * info.rowLength + k])
                        bound +=
                            abs(Double(w[j * info.rowLength + k])) * Double(a.scales[i * a.blocksPerRow + k / 32]) / 2
                    }
                    #expect(abs(Double(y[i * rows + j]) - exact) <= bound * 1.001 + 1e-4, "\(name) [\(i), \(j)]")
                }
            }
        }
    }

    @Test func errors() throws {
        #expect(throws: KernelError.badCount(type: .q8_0, count: 48)) { try QuantizedActivations(rows: 1, columns: 48) }
        let a = try QuantizedActivations(rows: 1, columns: 256)
        var y: [Float] = [0]
        let w = [UInt8](repeating: 0, count: 1024)
        for type in [GGMLType.f32, .f16, .bf16] {
            #expect(!QuantizedDot.isSupported(type))
            #expect(throws: KernelError.unsupportedType(type)) {
                try w.withUnsafeBytes {
                    try QuantizedDot.timesTransposed(a, type, weights: $0.baseAddress!, rows: 1, into: &y)
                }
            }
        }
        // K-quant rows are whole super-blocks of 256.
        let short = try QuantizedActivations(rows: 1, columns: 288)
        #expect(throws: KernelError.badCount(type: .q6_K, count: 288)) {
            try w.withUnsafeBytes {
                try QuantizedDot.timesTransposed(short, .q6_K, weights: $0.baseAddress!, rows: 1, into: &y)
            }
        }
    }

    /// Sets every f16 field (scales, mins) to 1.0.
    static func setHalfFieldsToOne(_ bytes: inout [UInt8], type: GGMLType) {
        let offsets: [Int]
        switch type {
        case .q4_0, .q5_0, .q8_0: offsets = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: offsets = [0, 2]
        case .q6_K: offsets = [208]
        default: return
        }
        for block in stride(from: 0, to: bytes.count, by: type.bytesPerBlock) {
            for offset in offsets {
                bytes[block + offset] = 0x00
                bytes[block + offset + 1] = 0x3C
            }
        }
    }
}
