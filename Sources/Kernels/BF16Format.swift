import GGUF

/// ggml `BF16`: bfloat16 elements, the high 16 bits of a binary32 (`ggml_bf16_t`, ggml.h;
/// `ggml_compute_bf16_to_fp32` shifts them up by 16), one element per "block".
enum BF16Format: WeightFormat {
    static let type = GGMLType.bf16

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<blockCount {
            let bits = UInt32(source.byte(2 * i)) << 16 | UInt32(source.byte(2 * i + 1)) << 24
            destination[i] = Float(bitPattern: bits)
        }
    }

    static func dequantize(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        HalfPrecision.convertBF16(source, count: blockCount, into: destination)
    }
}
