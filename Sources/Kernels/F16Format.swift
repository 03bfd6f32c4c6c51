import GGUF

/// ggml `F16`: IEEE binary16 elements (`ggml_half`, ggml.h), one element per "block".
enum F16Format: WeightFormat {
    static let type = GGMLType.f16

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<blockCount { destination[i] = source.f16Reference(2 * i) }
    }

    static func dequantize(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        HalfPrecision.convertF16(source, count: blockCount, into: destination)
    }
}
