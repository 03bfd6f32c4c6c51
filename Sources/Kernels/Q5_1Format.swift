import GGUF

/// ggml `Q5_1`: blocks of 32 weights in 24 bytes, `x = d × q + m` with 5-bit `q`.
///
/// Layout (`block_q5_1`, ggml-common.h): `d: ggml_half` at byte 0, `m: ggml_half` at byte 2,
/// `qh[4]` at byte 4 (a little-endian `uint32` whose bit `j` is the fifth bit of element `j`), then
/// `qs[16]` at byte 8 with the low four bits: element `j` in the low nibble of byte `j`, element
/// `j + 16` in its high nibble (`dequantize_row_q5_1`, ggml-quants.c).
enum Q5_1Format: WeightFormat {
    static let type = GGMLType.q5_1
    static let bytesPerBlock = 24

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let y = destination + block * 32
            let d = b.f16Reference(0)
            let m = b.f16Reference(2)
            let qh = b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            for j in 0..<16 {
                let high0 = Int((qh >> UInt32(j)) & 1) << 4
                let high1 = Int((qh >> UInt32(j + 16)) & 1) << 4
                let x0 = Int(b.byte(8 + j) & 0x0F) | high0
                let x1 = Int(b.byte(8 + j) >> 4) | high1
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
            let qh = b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            for j in 0..<16 {
                let q = UInt32(b.byte(8 &+ j))
                let high0 = ((qh &>> UInt32(j)) &<< 4) & 0x10
                let high1 = (qh &>> UInt32(j &+ 12)) & 0x10
                y[j] = Float((q & 0x0F) | high0) * d + m
                y[j &+ 16] = Float((q >> 4) | high1) * d + m
            }
            b += bytesPerBlock
            y += 32
        }
    }
}
