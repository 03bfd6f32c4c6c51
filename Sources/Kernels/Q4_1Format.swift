import GGUF

/// ggml `Q4_1`: blocks of 32 weights in 20 bytes, `x = d × q + m` with 4-bit `q`.
///
/// Layout (`block_q4_1`, ggml-common.h): `d: ggml_half` at byte 0, `m: ggml_half` at byte 2, then
/// `qs[16]`; byte `j` holds element `j` in its low nibble and element `j + 16` in its high nibble
/// (`dequantize_row_q4_1`, ggml-quants.c).
enum Q4_1Format: WeightFormat {
    static let type = GGMLType.q4_1
    static let bytesPerBlock = 20

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let y = destination + block * 32
            let d = b.f16Reference(0)
            let m = b.f16Reference(2)
            for j in 0..<16 {
                let x0 = Int(b.byte(4 + j) & 0x0F)
                let x1 = Int(b.byte(4 + j) >> 4)
                y[j] = Float(x0) * d + m
                y[j + 16] = Float(x1) * d + m
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
            let m = b.f16(2)
            for j in 0..<16 {
                let q = b.byte(4 &+ j)
                y[j] = Float(q & 0x0F) * d + m
                y[j &+ 16] = Float(q >> 4) * d + m
            }
            b += bytesPerBlock
            y += 32
        }
    }
}
