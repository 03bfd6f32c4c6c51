import GGUF

extension WeightFormats {
    /// The types `quantize` can encode.
    public static let quantizableTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0]

    /// Encodes `count` Floats (a whole number of blocks) at `source` into `destination`, which
    /// must have room for `type.byteCount(elements: count)` bytes. Non-finite input is the
    /// caller's to avoid (ggml's quantizers do not define it either).
    public static func quantize(
        _ type: GGMLType, from source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer
    ) throws(KernelError) {
        let quantizer: any BlockQuantizer.Type
        switch type {
        case .q4_0: quantizer = Q4_0Format.self
        case .q4_1: quantizer = Q4_1Format.self
        case .q8_0: quantizer = Q8_0Format.self
        default: throw .unsupportedType(type)
        }
        guard count >= 0, count % type.blockSize == 0 else { throw .badCount(type: type, count: count) }
        quantizer.quantize(source, blockCount: count / type.blockSize, into: destination)
    }
}
