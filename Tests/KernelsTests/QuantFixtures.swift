import Foundation
import GGUF
import TestSupport
import Testing

/// The committed outputs of `tools/reference/make_quant_fixtures.py` (gguf-py's dequantizer).
enum QuantFixtures {
    struct Manifest: Decodable {
        let formats: [Format]
    }

    struct Format: Decodable {
        let type: String
        let ggmlType: UInt32
        let rows: Int
        let rowLength: Int
        let rowKinds: [String]
        let quantized: String
        let dequantized: String
        /// The float rows that were quantized (Q8_0 only; all rows but the last).
        let input: String?

        enum CodingKeys: String, CodingKey {
            case type, rows, quantized, dequantized, input
            case ggmlType = "ggml_type"
            case rowLength = "row_length"
            case rowKinds = "row_kinds"
        }
    }

    struct ModelSpotValues: Decodable {
        let model: String
        let tensors: [Tensor]

        struct Tensor: Decodable {
            let name: String
            let type: String
            let elements: Int
            let sum: Double
            let sumAbs: Double
            let sumSquares: Double
            /// (flat element index, value) pairs.
            let values: [[Double]]

            enum CodingKeys: String, CodingKey {
                case name, type, elements, sum, values
                case sumAbs = "sum_abs"
                case sumSquares = "sum_squares"
            }
        }
    }

    static func directory() throws -> URL {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return fixtures.appendingPathComponent("quant")
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: directory().appendingPathComponent("manifest.json")))
    }

    static func modelSpotValues() throws -> ModelSpotValues {
        try JSONDecoder().decode(
            ModelSpotValues.self, from: Data(contentsOf: directory().appendingPathComponent("model_spot_values.json")))
    }

    /// The fixture entry for `type`, its encoded bytes and gguf-py's decoding.
    static func load(_ type: GGMLType) throws -> (format: Format, encoded: [UInt8], expected: [Float]) {
        let format = try #require(manifest().formats.first { $0.ggmlType == type.rawValue }, "no fixture for \(type)")
        let dir = try directory()
        let encoded = try [UInt8](Data(contentsOf: dir.appendingPathComponent(format.quantized)))
        let expected = try floats(dir.appendingPathComponent(format.dequantized))
        return (format, encoded, expected)
    }

    /// Little-endian float32 values of a fixture file.
    static func floats(_ url: URL) throws -> [Float] {
        let raw = try Data(contentsOf: url)
        return raw.withUnsafeBytes { bytes in
            (0..<raw.count / 4).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}

/// A seeded generator (SplitMix64) so random inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
