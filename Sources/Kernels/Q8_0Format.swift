import GGUF

/// ggml `Q8_0`: blocks of 32 weights in 34 bytes, `x = d × q` with signed 8-bit `q`.
///
/// Layout (`block_q8_0`, ggml-common.h): `d: ggml_half` at byte 0, then `qs: int8_t[32]` in element
/// order (`dequantize_row_q8_0`, ggml-quants.c).
enum Q8_0Format: WeightFormat {
    static let type = GGMLType.q8_0
    static let bytesPerBlock = 34

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let d = b.f16Reference(0)
            for j in 0..<32 {
                let q = Int8(bitPattern: b.byte(2 + j))
                destination[block * 32 + j] = Float(q) * d
            }
        }
    }

    static func dequantize(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        var b = source
        var y = destination
        for _ in 0..<blockCount {
            let d = b.f16(0)
            for j in 0..<32 {
                y[j] = Float(b.load(fromByteOffset: 2 &+ j, as: Int8.self)) * d
            }
            b += bytesPerBlock
            y += 32
        }
    }
}
