import GGUF

/// ggml `Q5_K`: super-blocks of 256 weights in 176 bytes: eight sub-blocks of 32, each with a
/// 6-bit scale and min, `x = d·scale × q − dmin·min` with 5-bit `q`.
///
/// Layout (`block_q5_K`, ggml-common.h): `d: ggml_half` at byte 0, `dmin: ggml_half` at byte 2,
/// `scales[12]` at byte 4 (see `KQuantScales`), `qh[32]` at byte 16, `qs[128]` at byte 48. As in
/// Q4_K, each 64 elements share 32 bytes of `qs` (low nibbles first, then high nibbles); the fifth
/// bit of element `l` of sub-block `s` is bit `s` of `qh[l]` (`dequantize_row_q5_K`,
/// ggml-quants.c).
enum Q5_KFormat: WeightFormat {
    static let type = GGMLType.q5_K
    static let bytesPerBlock = 176

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let y = destination + block * 256
            let d = b.f16Reference(0)
            let dmin = b.f16Reference(2)
            for chunk in 0..<4 {
                let (sc1, m1) = KQuantScales.scaleAndMin(2 * chunk, b + 4)
                let (sc2, m2) = KQuantScales.scaleAndMin(2 * chunk + 1, b + 4)
                let d1 = d * Float(sc1)
                let min1 = dmin * Float(m1)
                let d2 = d * Float(sc2)
                let min2 = dmin * Float(m2)
                let mask1: UInt8 = 1 << (2 * chunk)
                let mask2: UInt8 = 2 << (2 * chunk)
                for l in 0..<32 {
                    let low = b.byte(48 + 32 * chunk + l)
                    let high = b.byte(16 + l)
                    let q1 = Int(low & 0x0F) + (high & mask1 != 0 ? 16 : 0)
                    let q2 = Int(low >> 4) + (high & mask2 != 0 ? 16 : 0)
                    y[64 * chunk + l] = d1 * Float(q1) - min1
                    y[64 * chunk + 32 + l] = d2 * Float(q2) - min2
                }
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
            let dmin = b.f16(2)
            let scales = b + 4
            let qh = b + 16
            for chunk in 0..<4 {
                let (sc1, m1) = KQuantScales.scaleAndMin(2 &* chunk, scales)
                let (sc2, m2) = KQuantScales.scaleAndMin(2 &* chunk &+ 1, scales)
                let d1 = d * Float(sc1)
                let min1 = dmin * Float(m1)
                let d2 = d * Float(sc2)
                let min2 = dmin * Float(m2)
                let shift1 = UInt8(2 &* chunk)
                let q = b + (48 &+ 32 &* chunk)
                let out = y + 64 &* chunk
                for l in 0..<32 {
                    let low = q.byte(l)
                    let high = qh.byte(l) &>> shift1
                    out[l] = d1 * Float((low & 0x0F) | ((high & 1) &<< 4)) - min1
                    out[l &+ 32] = d2 * Float((low >> 4) | ((high & 2) &<< 3)) - min2
                }
            }
            b += bytesPerBlock
            y += 256
        }
    }
}
