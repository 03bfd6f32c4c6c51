import GGUF

/// ggml `Q4_K`: super-blocks of 256 weights in 144 bytes: eight sub-blocks of 32, each with a
/// 6-bit scale and min, `x = d·scale × q − dmin·min` with 4-bit `q`.
///
/// Layout (`block_q4_K`, ggml-common.h): `d: ggml_half` at byte 0, `dmin: ggml_half` at byte 2,
/// `scales[12]` at byte 4 (see `KQuantScales`), `qs[128]` at byte 16. Each 64 elements share 32
/// bytes of `qs`: the low nibbles are the first 32 elements (sub-block 2c), the high nibbles the
/// next 32 (sub-block 2c+1) (`dequantize_row_q4_K`, ggml-quants.c).
enum Q4_KFormat: WeightFormat {
    static let type = GGMLType.q4_K
    static let bytesPerBlock = 144

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
                for l in 0..<32 {
                    let q = b.byte(16 + 32 * chunk + l)
                    y[64 * chunk + l] = d1 * Float(q & 0x0F) - min1
                    y[64 * chunk + 32 + l] = d2 * Float(q >> 4) - min2
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
            for chunk in 0..<4 {
                let (sc1, m1) = KQuantScales.scaleAndMin(2 &* chunk, scales)
                let (sc2, m2) = KQuantScales.scaleAndMin(2 &* chunk &+ 1, scales)
                let d1 = d * Float(sc1)
                let min1 = dmin * Float(m1)
                let d2 = d * Float(sc2)
                let min2 = dmin * Float(m2)
                let q = b + (16 &+ 32 &* chunk)
                let out = y + 64 &* chunk
                for l in 0..<32 {
                    let byte = q.byte(l)
                    out[l] = d1 * Float(byte & 0x0F) - min1
                    out[l &+ 32] = d2 * Float(byte >> 4) - min2
                }
            }
            b += bytesPerBlock
            y += 256
        }
    }
}
