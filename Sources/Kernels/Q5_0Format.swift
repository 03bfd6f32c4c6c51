import GGUF

/// ggml `Q5_0`: blocks of 32 weights in 22 bytes, `x = d × (q − 16)` with 5-bit `q`.
///
/// Layout (`block_q5_0`, ggml-common.h): `d: ggml_half` at byte 0, `qh[4]` at byte 2 (a
/// little-endian `uint32` whose bit `j` is the fifth bit of element `j`), then `qs[16]` at byte 6
/// with the low four bits: element `j` in the low nibble of byte `j`, element `j + 16` in its high
/// nibble (`dequantize_row_q5_0`, ggml-quants.c).
enum Q5_0Format: WeightFormat {
    static let type = GGMLType.q5_0
    static let bytesPerBlock = 22

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let y = destination + block * 32
            let d = b.f16Reference(0)
            let qh = b.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            for j in 0..<16 {
                let high0 = Int((qh >> UInt32(j)) & 1) << 4
                let high1 = Int((qh >> UInt32(j + 16)) & 1) << 4
                let x0 = (Int(b.byte(6 + j) & 0x0F) | high0) - 16
                let x1 = (Int(b.byte(6 + j) >> 4) | high1) - 16
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
            let qh = b.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            for j in 0..<16 {
                let q = UInt32(b.byte(6 &+ j))
                let high0 = ((qh &>> UInt32(j)) &<< 4) & 0x10
                let high1 = (qh &>> UInt32(j &+ 12)) & 0x10
                y[j] = Float(Int32(bitPattern: (q & 0x0F) | high0) &- 16) * d
                y[j &+ 16] = Float(Int32(bitPattern: (q >> 4) | high1) &- 16) * d
            }
            b += bytesPerBlock
            y += 32
        }
    }
}
