import GGUF
import Testing

@testable import Kernels

/// Dequantization against gguf-py's decoder (committed fixtures), fast path against reference,
/// and the error contract.
struct WeightFormatsTests {
    /// Quantized formats: both decoders within this of gguf-py, relative above magnitude 1.
    static let tolerance: Float = 1e-6

    static let plainTypes: Set<GGMLType> = [.f32, .f16, .bf16]

    @Test func supportsExactlyTheDesignFormats() {
        let expected: [GGMLType] = [.f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K, .bf16]
        #expect(WeightFormats.supportedTypes == expected)
        for type in GGMLType.allCases {
            #expect(WeightFormats.isSupported(type) == expected.contains(type), "\(type)")
        }
    }

    @Test func manifestCoversEverySupportedType() throws {
        let manifest = try QuantFixtures.manifest()
        #expect(Set(manifest.formats.map(\.ggmlType)) == Set(WeightFormats.supportedTypes.map(\.rawValue)))
        for format in manifest.formats {
            #expect(format.rows >= 2 && format.rowLength % 256 == 0 && format.rowKinds.count == format.rows)
        }
    }

    @Test(arguments: WeightFormats.supportedTypes)
    func matchesGGUFPyFixture(type: GGMLType) throws {
        let (format, encoded, expected) = try QuantFixtures.load(type)
        let count = format.rows * format.rowLength
        #expect(expected.count == count)
        #expect(encoded.count == type.byteCount(elements: count))
        for useReference in [false, true] {
            let decoded = try Self.decode(type, encoded, count: count, reference: useReference)
            let path = useReference ? "reference" : "fast path"
            var mismatches = 0
            for i in 0..<count where !Self.agrees(decoded[i], expected[i], exact: Self.plainTypes.contains(type)) {
                mismatches += 1
                if mismatches <= 5 {
                    let row = i / format.rowLength
                    Issue.record(
                        "\(type) \(path): element \(i) (row \(row), \(format.rowKinds[row])) is \(decoded[i]), gguf-py gives \(expected[i])"
                    )
                }
            }
            #expect(mismatches == 0, "\(type) \(path): \(mismatches) of \(count) elements differ")
        }
        // The fixture has to exercise something: no format decodes every row to zeros.
        #expect(expected.contains { $0 != 0 && $0.isFinite })
    }

    /// Row by row from an odd address gives the same values as the whole buffer at once: unaligned
    /// blocks are read correctly and no state leaks between calls.
    @Test(arguments: WeightFormats.supportedTypes)
    func rowByRowFromUnalignedAddress(type: GGMLType) throws {
        let (format, encoded, _) = try QuantFixtures.load(type)
        let count = format.rows * format.rowLength
        let whole = try Self.decode(type, encoded, count: count, reference: false)
        let rowBytes = try #require(type.byteCount(elements: format.rowLength))
        var shifted = [UInt8](repeating: 0, count: encoded.count + 1)
        shifted.replaceSubrange(1..., with: encoded)
        var rows = [Float](repeating: .nan, count: count)
        try shifted.withUnsafeBytes { bytes in
            try rows.withUnsafeMutableBufferPointer { out in
                for r in 0..<format.rows {
                    try WeightFormats.dequantize(
                        type, from: bytes.baseAddress! + 1 + r * rowBytes, count: format.rowLength,
                        into: out.baseAddress! + r * format.rowLength)
                }
            }
        }
        #expect(zip(rows, whole).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    /// Random blocks (every bit pattern of quants, scales and mins; finite f16 fields): the fast
    /// path must give exactly the reference's bits.
    @Test(arguments: WeightFormats.supportedTypes)
    func fastPathEqualsReferenceOnRandomBlocks(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(type.rawValue))
        let blocks = 96
        let count = blocks * type.blockSize
        var encoded = (0..<(blocks * type.bytesPerBlock)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        Self.makeHalfFieldsFinite(&encoded, type: type)
        let fast = try Self.decode(type, encoded, count: count, reference: false)
        let reference = try Self.decode(type, encoded, count: count, reference: true)
        let differing = zip(fast, reference).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(type): \(differing) of \(count) elements differ")
        if !Self.plainTypes.contains(type) {
            #expect(reference.allSatisfy { $0.isFinite })
            #expect(Set(reference).count > count / 16, "random blocks should decode to many distinct values")
        }
    }

    @Test(arguments: [GGMLType.q2_K, .q3_K, .q8_K, .q8_1, .iq4_nl, .iq2_xxs, .tq1_0, .mxfp4, .i8, .f64])
    func unsupportedTypeThrows(type: GGMLType) {
        #expect(!WeightFormats.isSupported(type))
        var out = [Float](repeating: 0, count: 256)
        let source = [UInt8](repeating: 0, count: 4096)
        source.withUnsafeBytes { bytes in
            out.withUnsafeMutableBufferPointer { out in
                #expect(throws: KernelError.unsupportedType(type)) {
                    try WeightFormats.dequantize(type, from: bytes.baseAddress!, count: 256, into: out.baseAddress!)
                }
                #expect(throws: KernelError.unsupportedType(type)) {
                    try WeightFormats.dequantizeReference(
                        type, from: bytes.baseAddress!, count: 256, into: out.baseAddress!)
                }
            }
        }
        #expect(KernelError.unsupportedType(type).description.contains(type.description))
    }

    @Test(arguments: [
        (GGMLType.q4_1, 33), (.q4_1, -32), (.q8_0, 16), (.q4_K, 128), (.q6_K, 257), (.q5_0, 1), (.f32, -1),
    ])
    func partialBlocksThrow(type: GGMLType, count: Int) {
        var out = [Float](repeating: 0, count: 512)
        let source = [UInt8](repeating: 0, count: 4096)
        source.withUnsafeBytes { bytes in
            out.withUnsafeMutableBufferPointer { out in
                #expect(throws: KernelError.badCount(type: type, count: count)) {
                    try WeightFormats.dequantize(type, from: bytes.baseAddress!, count: count, into: out.baseAddress!)
                }
                #expect(throws: KernelError.badCount(type: type, count: count)) {
                    try WeightFormats.dequantizeReference(
                        type, from: bytes.baseAddress!, count: count, into: out.baseAddress!)
                }
            }
        }
        let message = KernelError.badCount(type: type, count: count).description
        #expect(
            message.contains("\(count)") && message.contains(type.description) && message.contains("\(type.blockSize)"))
    }

    @Test func zeroElementsWriteNothing() throws {
        var out: [Float] = [42]
        let source: [UInt8] = [0]
        try source.withUnsafeBytes { bytes in
            try out.withUnsafeMutableBufferPointer { out in
                for type in WeightFormats.supportedTypes {
                    try WeightFormats.dequantize(type, from: bytes.baseAddress!, count: 0, into: out.baseAddress!)
                }
            }
        }
        #expect(out == [42])
    }

    /// Hand-made blocks whose values are known without any reference implementation.
    @Test func handMadeBlocks() throws {
        // Q4_1: d = 0.5 (0x3800), m = -1 (0xBC00); byte j = (j+1)%16 | (15-j) << 4.
        var q41: [UInt8] = [0x00, 0x38, 0x00, 0xBC]
        q41 += (0..<16).map { UInt8(($0 + 1) % 16) | UInt8(15 - $0) << 4 }
        let y41 = try Self.decode(.q4_1, q41, count: 32, reference: false)
        #expect(y41[0] == 0.5 * 1 - 1 && y41[15] == -1 && y41[16] == 0.5 * 15 - 1 && y41[31] == -1)
        // Q8_0: d = 2 (0x4000), q = -128, 127, 0 ….
        var q80: [UInt8] = [0x00, 0x40, 0x80, 0x7F]
        q80 += [UInt8](repeating: 0, count: 30)
        let y80 = try Self.decode(.q8_0, q80, count: 32, reference: false)
        #expect(y80[0] == -256 && y80[1] == 254 && y80[2] == 0)
        // Q5_0: d = 1; element 0 has q = 0 → −16; element 16 gets its fifth bit from qh bit 16 and
        // low nibble 3 → 19 − 16 = 3; element 31 from qh bit 31 with high nibble 0 → 0.
        var q50: [UInt8] = [0x00, 0x3C, 0x00, 0x00, 0x01, 0x80]
        q50 += [0x30] + [UInt8](repeating: 0, count: 15)
        let y50 = try Self.decode(.q5_0, q50, count: 32, reference: false)
        #expect(y50[0] == -16 && y50[16] == 3 && y50[31] == 0 && y50[1] == -16)
    }

    // MARK: - Helpers

    static func decode(_ type: GGMLType, _ encoded: [UInt8], count: Int, reference: Bool) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try encoded.withUnsafeBytes { bytes in
            try out.withUnsafeMutableBufferPointer { out in
                if reference {
                    try WeightFormats.dequantizeReference(
                        type, from: bytes.baseAddress!, count: count, into: out.baseAddress!)
                } else {
                    try WeightFormats.dequantize(type, from: bytes.baseAddress!, count: count, into: out.baseAddress!)
                }
            }
        }
        return out
    }

    /// Plain float formats must match bit for bit (NaN payloads included); quantized ones within
    /// `tolerance`, relative for magnitudes above 1.
    static func agrees(_ value: Float, _ expected: Float, exact: Bool) -> Bool {
        if exact { return value.bitPattern == expected.bitPattern }
        guard value.isFinite, expected.isFinite else { return value.bitPattern == expected.bitPattern }
        return abs(value - expected) <= tolerance * max(1, abs(expected))
    }

    /// Clears bit 14 of every f16 field (scales, mins) so they are finite and below 2, and of
    /// every plain F16 element so random test data has no NaN or infinity.
    static func makeHalfFieldsFinite(_ bytes: inout [UInt8], type: GGMLType) {
        let offsets: [Int]
        switch type {
        case .f16: offsets = [0]
        case .q4_0, .q5_0, .q8_0: offsets = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: offsets = [0, 2]
        case .q6_K: offsets = [208]
        default: return
        }
        for block in stride(from: 0, to: bytes.count, by: type.bytesPerBlock) {
            for offset in offsets { bytes[block + offset + 1] &= 0xBF }
        }
    }
}
