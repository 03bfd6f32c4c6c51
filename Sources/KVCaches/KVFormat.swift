import GGUF

/// How the cache stores one row of `headDim` keys or values (issue 15): fp32, or ggml blocks of
/// 32 along the head dimension with their binary16 scales, as llama.cpp's `--cache-type-k/-v`
/// store them. Selected by name here (STYLE.md habit 2); the encodings are the `Kernels` formats.
// swift-format-ignore: AlwaysUseLowerCamelCase
// (case names are ggml's type names, as `--kv-type` and llama.cpp's `--cache-type-k` spell them)
public enum KVFormat: String, Sendable, CaseIterable, Hashable, Codable, CustomStringConvertible {
    case f32
    /// ggml `block_q8_0`: 34 bytes per 32 values (x = d·q, q int8).
    case q8_0
    /// ggml `block_q4_0`: 18 bytes per 32 values (x = d·(q − 8), q 4-bit). Values only.
    case q4_0
    /// ggml `block_q4_1`: 20 bytes per 32 values (x = d·q + m, q 4-bit). Values only.
    case q4_1

    /// Other spellings the flags accept.
    public static let aliases: [String: KVFormat] = ["fp32": .f32, "float32": .f32]

    /// The format called `name` (or an alias); unknown names are errors listing the valid ones.
    public static func named(_ name: String, for setting: KVCacheError.Setting) throws(KVCacheError) -> KVFormat {
        if let f = KVFormat(rawValue: name.lowercased()) ?? aliases[name.lowercased()] { return f }
        let valid = (setting == .keyType ? keyFormats : allCases).map(\.rawValue).joined(separator: ", ")
        throw .invalidSetting(setting, "unknown KV type '\(name)' (valid: \(valid))")
    }

    /// Decodes a name or an alias.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let f = KVFormat(rawValue: name.lowercased()) ?? Self.aliases[name.lowercased()] else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown KV type '\(name)'"))
        }
        self = f
    }

    /// The formats keys may use. Attention scores are dot products with every key, and 4-bit
    /// keys move them far more than 4-bit values move outputs (KIVI, arXiv 2402.02750, and
    /// llama.cpp's perplexity tables both find keys the sensitive half), so keys stop at q8_0.
    public static let keyFormats: [KVFormat] = [.f32, .q8_0]

    public var isQuantized: Bool { self != .f32 }

    /// The ggml type of the stored blocks.
    public var ggmlType: GGMLType {
        switch self {
        case .f32: .f32
        case .q8_0: .q8_0
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        }
    }

    /// Values per block: the head dimension must be a multiple of it.
    public var blockSize: Int { ggmlType.blockSize }

    /// Bytes of one stored row of `headDim` values (`headDim` a multiple of `blockSize`).
    public func rowBytes(headDim: Int) -> Int { headDim / blockSize * ggmlType.bytesPerBlock }

    public var description: String { rawValue }
}
