import GGUF

/// ggml `Q4_0`: blocks of 32 weights in 18 bytes, `x = d × (q − 8)` with 4-bit `q`.
///
/// Layout (`block_q4_0`, ggml-common.h): `d: ggml_half` at byte 0, then `qs[16]`; byte `j` holds
/// element `j` in its low nibble and element `j + 16` in its high nibble
/// (`dequantize_row_q4_0`, ggml-quants.c).
enum Q4_0Format: WeightFormat {
    static let type = GGMLType.q4_0
    static let bytesPerBlock = 18

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let y = destination + block * 32
            let d = b.f16Reference(0)
            for j in 0..<16 {
                let x0 = Int(b.byte(2 + j) & 0x0F) - 8
                let x1 = Int(b.byte(2 + j) >> 4) - 8
                y[j] = Float(x0) * d
                y[j + 16] = Float(x1) * d
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
            for j in 0..<16 {
                let q = b.byte(2 &+ j)
                y[j] = Float(Int32(q & 0x0F) &- 8) * d
                y[j &+ 16] = Float(Int32(q >> 4) &- 8) * d
            }
            b += bytesPerBlock
            y += 32
        }
    }
}
