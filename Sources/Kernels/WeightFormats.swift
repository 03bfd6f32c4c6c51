import GGUF

/// Decoding of GGUF weight tensors to Float, for every encoding DESIGN.md §3 supports.
///
/// This is where a `GGMLType` selects its `WeightFormat`; nothing else switches on the type.
public enum WeightFormats {
    /// The types `dequantize` accepts, in ggml type order.
    public static let supportedTypes: [GGMLType] = GGMLType.allCases.filter(isSupported)

    /// Whether this build can dequantize `type`.
    public static func isSupported(_ type: GGMLType) -> Bool { format(for: type) != nil }

    /// Dequantizes `count` elements (a whole number of blocks) starting at `source` into
    /// `destination`, which must have room for `count` Floats; `source` must hold
    /// `type.byteCount(elements: count)` bytes.
    public static func dequantize(
        _ type: GGMLType, from source: UnsafeRawPointer, count: Int,
        into destination: UnsafeMutablePointer<Float>
    ) throws(KernelError) {
        let (format, blocks) = try checked(type, count: count)
        format.dequantize(source, blockCount: blocks, into: destination)
    }

    /// Same, using the scalar reference (tests compare the two).
    public static func dequantizeReference(
        _ type: GGMLType, from source: UnsafeRawPointer, count: Int,
        into destination: UnsafeMutablePointer<Float>
    ) throws(KernelError) {
        let (format, blocks) = try checked(type, count: count)
        format.dequantizeReference(source, blockCount: blocks, into: destination)
    }

    /// The format for `type`, if this build has one.
    static func format(for type: GGMLType) -> (any WeightFormat.Type)? {
        switch type {
        case .f32: F32Format.self
        case .f16: F16Format.self
        case .bf16: BF16Format.self
        case .q4_0: Q4_0Format.self
        case .q4_1: Q4_1Format.self
        case .q5_0: Q5_0Format.self
        case .q5_1: Q5_1Format.self
        case .q8_0: Q8_0Format.self
        case .q4_K: Q4_KFormat.self
        case .q5_K: Q5_KFormat.self
        case .q6_K: Q6_KFormat.self
        default: nil
        }
    }

    private static func checked(_ type: GGMLType, count: Int) throws(KernelError) -> (any WeightFormat.Type, Int) {
        guard let format = format(for: type) else { throw .unsupportedType(type) }
        guard count >= 0, count % type.blockSize == 0 else { throw .badCount(type: type, count: count) }
        return (format, count / type.blockSize)
    }
}
