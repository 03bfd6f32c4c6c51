import Foundation
import GGUF
import Testing

@testable import Kernels

/// The KV-row encoders (`WeightFormats.quantize`) against gguf-py's `gguf.quants.quantize`
/// (committed fixtures from `tools/reference/make_kv_quant_fixtures.py`), and their round-trip
/// error against a bound derived from each format's definition.
struct BlockQuantizerTests {
    struct Manifest: Decodable {
        let rows: Int
        let headDim: Int
        let rowKinds: [String]
        let input: String
        let formats: [Format]

        struct Format: Decodable {
            let type: String
            let ggmlType: UInt32
            let quantized: String
            let dequantized: String
            let rowBytes: Int

            enum CodingKeys: String, CodingKey {
                case type, quantized, dequantized
                case ggmlType = "ggml_type"
                case rowBytes = "row_bytes"
            }
        }

        enum CodingKeys: String, CodingKey {
            case rows, input, formats
            case headDim = "head_dim"
            case rowKinds = "row_kinds"
        }
    }

    static func directory() throws -> URL {
        try QuantFixtures.directory().deletingLastPathComponent().appendingPathComponent("kvquant")
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: directory().appendingPathComponent("manifest.json")))
    }

    static func input() throws -> [Float] {
        try QuantFixtures.floats(directory().appendingPathComponent(manifest().input))
    }

    static func quantize(_ type: GGMLType, _ x: [Float]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: type.byteCount(elements: x.count)!)
        try x.withUnsafeBufferPointer { xs in
            try out.withUnsafeMutableBytes { o in
                try WeightFormats.quantize(type, from: xs.baseAddress!, count: x.count, into: o.baseAddress!)
            }
        }
        return out
    }

    static func dequantize(_ type: GGMLType, _ bytes: [UInt8], count: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try bytes.withUnsafeBytes { b in
            try out.withUnsafeMutableBufferPointer { o in
                try WeightFormats.dequantize(type, from: b.baseAddress!, count: count, into: o.baseAddress!)
            }
        }
        return out
    }

    @Test func encodesExactlyTheFormatsTheKVCacheUses() {
        #expect(WeightFormats.quantizableTypes == [.q4_0, .q4_1, .q8_0])
        #expect(throws: KernelError.unsupportedType(.q4_K)) {
            _ = try Self.quantize(.q4_K, [Float](repeating: 0, count: 256))
        }
        #expect(throws: KernelError.badCount(type: .q8_0, count: 33)) {
            var x = [Float](repeating: 0, count: 33)
            var out = [UInt8](repeating: 0, count: 68)
            try x.withUnsafeMutableBufferPointer { xs in
                try out.withUnsafeMutableBytes { o in
                    try WeightFormats.quantize(.q8_0, from: xs.baseAddress!, count: 33, into: o.baseAddress!)
                }
            }
        }
    }

    /// Byte for byte what gguf-py writes, for every row kind (ties, constants, zeros, tiny
    /// scales that become binary16 subnormals).
    @Test(arguments: WeightFormats.quantizableTypes)
    func matchesGGUFPyBytes(type: GGMLType) throws {
        let manifest = try Self.manifest()
        let format = try #require(manifest.formats.first { $0.ggmlType == type.rawValue })
        let dir = try Self.directory()
        let expected = try [UInt8](Data(contentsOf: dir.appendingPathComponent(format.quantized)))
        let x = try Self.input()
        #expect(x.count == manifest.rows * manifest.headDim)
        let encoded = try Self.quantize(type, x)
        #expect(encoded.count == expected.count)
        #expect(format.rowBytes == type.byteCount(elements: manifest.headDim))
        for row in 0..<manifest.rows {
            let r = (row * format.rowBytes)..<((row + 1) * format.rowBytes)
            #expect(Array(encoded[r]) == Array(expected[r]), "\(type) row \(row) (\(manifest.rowKinds[row]))")
        }
        // And gguf-py's decoding of them is ours.
        let decoded = try Self.dequantize(type, encoded, count: x.count)
        let reference = try QuantFixtures.floats(dir.appendingPathComponent(format.dequantized))
        #expect(decoded == reference)
    }

    /// |x − x̂| per block within the format's step: q8_0 `d/2` with `d = max|x|/127`; q4_1 `d/2`
    /// with `d = (max − min)/15`; q4_0 `|d|` with `d = max/−8` (a −max tie clips to level 15);
    /// each plus the binary16 rounding of the stored scale (and minimum), 2⁻¹¹ relative.
    @Test(arguments: WeightFormats.quantizableTypes)
    func roundTripErrorIsWithinOneStep(type: GGMLType) throws {
        var rng = SplitMix64(seed: 15)
        var x: [Float] = []
        for row in 0..<64 {
            let scale = Float(row % 7 == 0 ? 20 : 1)
            for _ in 0..<128 {
                x.append((Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) * scale)
            }
        }
        let encoded = try Self.quantize(type, x)
        let back = try Self.dequantize(type, encoded, count: x.count)
        let half: Float = 0x1p-11
        var worst: Float = 0
        for block in 0..<(x.count / 32) {
            let xs = x[(block * 32)..<(block * 32 + 32)]
            let amax = xs.map(abs).max()!
            let bound: Float
            switch type {
            case .q8_0: bound = amax / 127 * (0.5 + 127 * half)
            case .q4_0: bound = amax / 8 * (1 + 8 * half)
            default:
                let lo = xs.min()!
                let d = (xs.max()! - lo) / 15
                bound = d * (0.5 + 15 * half) + abs(lo) * half
            }
            for j in 0..<32 {
                let e = abs(back[block * 32 + j] - x[block * 32 + j])
                #expect(e <= bound * 1.0001, "\(type) block \(block) element \(j): error \(e) > \(bound)")
                worst = max(worst, e / amax)
            }
        }
        // The bound is not vacuous: the worst relative error is of the order of one step.
        let step: Float = type == .q8_0 ? 1 / 127 : 1 / 8
        #expect(worst > step / 8 && worst <= step * 1.01)
    }

    /// A non-finite value poisons its block (NaN scale) instead of trapping or becoming a number,
    /// so NaN keys still give NaN logits; the other block of the row is untouched.
    @Test(arguments: WeightFormats.quantizableTypes)
    func nonFiniteBlocksDecodeToNaN(type: GGMLType) throws {
        for bad in [Float.nan, .infinity, -.infinity] {
            var x = (0..<64).map { Float($0) / 64 - 0.5 }
            x[5] = bad
            let encoded = try Self.quantize(type, x)
            let back = try Self.dequantize(type, encoded, count: 64)
            let poisoned = back[0..<32].allSatisfy { $0.isNaN }
            let untouched = back[32..<64].allSatisfy { $0.isFinite }
            #expect(poisoned, "\(type) with \(bad)")
            #expect(untouched, "\(type) with \(bad)")
        }
        // A scale whose inverse overflows (binary16-subnormal magnitudes) does not trap either.
        let tiny = (0..<32).map { Float($0 % 3) * Float.leastNormalMagnitude / 8 }
        let encodedTiny = try Self.quantize(type, tiny)
        let backTiny = try Self.dequantize(type, encodedTiny, count: 32)
        #expect(backTiny.allSatisfy { $0.isFinite && abs($0) < 1e-30 })
    }
}
