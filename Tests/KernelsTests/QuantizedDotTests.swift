import Foundation
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

    /// Every kernel set this CPU runs (the tests hold each to the references, whichever the
    /// process would pick).
    static let kernelSets: [KernelSet] = KernelSet.available

    /// The two shapes of the C kernels: decode (`timesTransposed`) and prefill (`product`).
    enum Shape: CaseIterable, Sendable { case decode, prefill }

    /// `x · Wᵀ` through `shape` with `kernels`.
    static func multiply(
        _ shape: Shape, _ x: QuantizedActivations, _ type: GGMLType, _ w: UnsafeRawPointer, rows: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int? = nil, kernels: KernelSet
    ) throws {
        switch shape {
        case .decode:
            try QuantizedDot.timesTransposed(x, type, weights: w, rows: rows, into: c, ldc: ldc, kernels: kernels)
        case .prefill:
            try QuantizedDot.product(
                x, tokens: 0..<x.rows, type, weights: w, rows: rows, into: c, ldc: ldc, kernels: kernels)
        }
    }

    @Test func supportsTheDesignFormats() {
        #expect(QuantizedDot.supportedTypes == Self.expectedTypes)
    }

    /// The portable set always exists, and this machine's best set is the one in use.
    @Test func kernelSetsOfThisCPU() throws {
        let names = KernelSet.available.map(\.name)
        #expect(names.last == "portable")
        #expect(Set(names).isSubset(of: ["avx512-vnni", "avx2", "portable"]))
        #expect(
            KernelSet.current == KernelSet.available[0] || ProcessInfo.processInfo.environment["EASYKV_KERNELS"] != nil)
        #expect(throws: KernelError.unknownKernelSet("sse9", available: names)) {
            try KernelSet.select(KernelSet(name: "sse9"))
        }
        #if arch(x86_64)
            // Every x86-64 CPU since 2015 (and this one) has AVX2 + FMA + F16C.
            #expect(names.contains("avx2"))
        #endif
    }

    @Test func activationQuantizationByHand() throws {
        var x = [Float](repeating: 0, count: 64)
        x[0] = 127
        x[1] = -63.5  // a tie: rounds away from zero, as roundf does
        x[2] = 0.49
        x[3] = -127
        // Second block all zeros: scale 0 and quants 0, no division by zero.
        x[20] = 5.5
        for kernels in Self.kernelSets {
            var a = try QuantizedActivations(rows: 1, columns: 64)
            x.withUnsafeBufferPointer { a.quantize($0.baseAddress!, kernels: kernels) }
            #expect(Array(a.quants[0..<4]) == [127, -64, 0, -127], "\(kernels)")
            #expect(a.quants[20] == 6)
            #expect(a.scales == [1, 0])
            #expect(a.scaledSums == [-58, 0])
            #expect(a.blockSums == [-58, 0])
            #expect(a.halfSums == [-64, 6, 0, 0])
            #expect(a.quants[32...].allSatisfy { $0 == 0 })
        }
    }

    /// A NaN or an infinity in a block makes its scale NaN in every kernel set, so a product
    /// with it is NaN instead of finite garbage (the portable set used to drop a block of NaNs);
    /// the other blocks are quantized as if it were not there.
    @Test func nonFiniteBlocksGetANaNScaleInEverySet() throws {
        let columns = 128
        var x = (0..<(2 * columns)).map { Float(($0 * 37) % 23) - 11 }
        var clean = try QuantizedActivations(rows: 2, columns: columns)
        x.withUnsafeBufferPointer { clean.quantize($0.baseAddress!) }
        x[40] = .nan  // row 0, block 1
        for j in 96..<128 { x[j] = .nan }  // row 0, block 3: all NaN
        x[columns + 70] = -.infinity  // row 1, block 2
        let broken: Set<Int> = [1, 3, 6]
        // One Q8_0 weight row (ggml block_q8_0: f16 scale, 32 int8 quants): every weight 0.25.
        let scale = HalfPrecision.f16Bits(from: 0.25)
        let block = [UInt8(scale & 0xFF), UInt8(scale >> 8)] + [UInt8](repeating: 1, count: 32)
        let weights = [UInt8]((0..<(columns / 32)).flatMap { _ in block })
        for kernels in Self.kernelSets {
            var a = try QuantizedActivations(rows: 2, columns: columns)
            x.withUnsafeBufferPointer { a.quantize($0.baseAddress!, kernels: kernels) }
            for block in 0..<8 {
                if broken.contains(block) {
                    #expect(a.scales[block].isNaN && a.scaledSums[block].isNaN, "\(kernels) block \(block)")
                } else {
                    #expect(a.scales[block] == clean.scales[block], "\(kernels) block \(block)")
                    #expect(
                        Array(a.quants[(32 * block)..<(32 * block + 32)])
                            == Array(clean.quants[(32 * block)..<(32 * block + 32)]))
                }
            }
            for shape in Shape.allCases {
                var y: [Float] = [0, 0]
                try weights.withUnsafeBytes { w in
                    try Self.multiply(shape, a, .q8_0, w.baseAddress!, rows: 1, into: &y, kernels: kernels)
                }
                #expect(y.allSatisfy { $0.isNaN }, "\(kernels) \(shape): \(y)")
            }
        }
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
        input.withUnsafeBufferPointer { reference.quantizeReference($0.baseAddress!) }
        for kernels in Self.kernelSets {
            input.withUnsafeBufferPointer { a.quantize($0.baseAddress!, kernels: kernels) }
            #expect(a.quants == reference.quants, "\(kernels)")
            #expect(a.scales.map(\.bitPattern) == reference.scales.map(\.bitPattern))
            #expect(a.scaledSums.map(\.bitPattern) == reference.scaledSums.map(\.bitPattern))
            #expect(a.blockSums == reference.blockSums)
            #expect(a.halfSums == reference.halfSums)
        }
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

    /// Random blocks, a batch of 7 activation rows (groups of 4, 2 and 1, or 4 and 3) and 37
    /// weight rows (whole tiles and a partial one): each kernel set, in both shapes, agrees with
    /// the reference within `reorderTolerance`, and both with float math on the dequantized
    /// weights within the activation-rounding bound.
    @Test(arguments: QuantizedDotTests.expectedTypes, QuantizedDotTests.kernelSets)
    func fastMatchesReferenceAndFloatMath(type: GGMLType, kernels: KernelSet) throws {
        for shape in Shape.allCases {
            try checkAgainstReference(type: type, kernels: kernels, shape: shape)
        }
    }

    func checkAgainstReference(type: GGMLType, kernels: KernelSet, shape: Shape) throws {
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
            try Self.multiply(shape, a, type, w.baseAddress!, rows: weightRows, into: &fast, ldc: ldc, kernels: kernels)
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
                #expect(
                    reorder <= Self.reorderTolerance * reorderScale,
                    "\(type) \(kernels) \(shape) [\(i), \(j)]: \(got) vs \(ref)")
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
    /// never changes a sequence's output. In the prefill shape neither does the range of
    /// activation rows one call covers, nor where a weight row falls in its tile.
    @Test(arguments: QuantizedDotTests.expectedTypes, QuantizedDotTests.kernelSets)
    func batchingDoesNotChangeAnyRow(type: GGMLType, kernels: KernelSet) throws {
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
        var tiled = together
        let rowBytes = columns / type.blockSize * type.bytesPerBlock
        try weights.withUnsafeBytes { w in
            try QuantizedDot.timesTransposed(
                all, type, weights: w.baseAddress!, rows: weightRows, into: &together, kernels: kernels)
            try QuantizedDot.product(
                all, tokens: 0..<batch, type, weights: w.baseAddress!, rows: weightRows, into: &tiled, kernels: kernels)
            for i in 0..<batch {
                var one = try QuantizedActivations(rows: 1, columns: columns)
                x.withUnsafeBufferPointer { one.quantize($0.baseAddress! + i * columns) }
                var alone = [Float](repeating: .nan, count: weightRows)
                try QuantizedDot.timesTransposed(
                    one, type, weights: w.baseAddress!, rows: weightRows, into: &alone, kernels: kernels)
                let row = Array(together[(i * weightRows)..<((i + 1) * weightRows)])
                #expect(row.map(\.bitPattern) == alone.map(\.bitPattern), "\(type) \(kernels) row \(i)")
            }
            // Prefill: one activation row at a time, and weight rows from 5 on (shifted in the tile).
            var single = [Float](repeating: .nan, count: batch * weightRows)
            for i in 0..<batch {
                try QuantizedDot.product(
                    all, tokens: i..<(i + 1), type, weights: w.baseAddress!, rows: weightRows, into: &single,
                    kernels: kernels)
            }
            #expect(single.map(\.bitPattern) == tiled.map(\.bitPattern), "\(type) \(kernels) prefill by row")
            var shifted = [Float](repeating: .nan, count: batch * weightRows)
            try shifted.withUnsafeMutableBufferPointer { out in
                try QuantizedDot.product(
                    all, tokens: 1..<batch, type, weights: w.baseAddress! + 5 * rowBytes, rows: weightRows - 5,
                    into: out.baseAddress! + 5, ldc: weightRows, kernels: kernels)
            }
            for i in 1..<batch {
                for j in 5..<weightRows {
                    #expect(
                        shifted[i * weightRows + j].bitPattern == tiled[i * weightRows + j].bitPattern,
                        "\(type) \(kernels) prefill shifted [\(i), \(j)]")
                }
            }
        }
    }

    /// Where every product and partial sum is an integer below 2^24 (f16 fields 1.0, activation
    /// blocks with scale 1), float addition is exact in any order: fast, reference and the
    /// integer dot product of the decoded weights agree bit for bit. This pins the integer part
    /// (unpacking, block sums, Q6_K's two halves) with no tolerance at all.
    @Test(arguments: QuantizedDotTests.expectedTypes, QuantizedDotTests.kernelSets)
    func exactWhereFloatSumsAreExact(type: GGMLType, kernels: KernelSet) throws {
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
        var tiled = fast
        var reference = fast
        try weights.withUnsafeBytes { w in
            try Self.multiply(.decode, a, type, w.baseAddress!, rows: weightRows, into: &fast, kernels: kernels)
            try Self.multiply(.prefill, a, type, w.baseAddress!, rows: weightRows, into: &tiled, kernels: kernels)
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
                #expect(fast[i * weightRows + j] == Float(exact), "\(type) \(kernels) decode [\(i), \(j)]")
                #expect(tiled[i * weightRows + j] == Float(exact), "\(type) \(kernels) prefill [\(i), \(j)]")
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
            var tiled = y
            try QuantizedDot.timesTransposed(a, info.type, weights: data, rows: rows, into: &y)
            try QuantizedDot.product(a, tokens: 0..<batch, info.type, weights: data, rows: rows, into: &tiled)
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
                    #expect(abs(Double(tiled[i * rows + j]) - exact) <= bound * 1.001 + 1e-4, "\(name) [\(i), \(j)]")
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
