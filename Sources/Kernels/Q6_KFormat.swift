import GGUF

/// ggml `Q6_K`: super-blocks of 256 weights in 210 bytes: sixteen sub-blocks of 16, each with a
/// signed 8-bit scale, `x = d·scale × (q − 32)` with 6-bit `q`.
///
/// Layout (`block_q6_K`, ggml-common.h): `ql[128]` (low four bits) at byte 0, `qh[64]` (high two
/// bits) at byte 128, `scales: int8_t[16]` at byte 192, `d: ggml_half` at byte 208. Each half of
/// 128 elements uses 64 bytes of `ql` and 32 of `qh`: for `l` in 0..<32, elements `l`, `l+32`,
/// `l+64`, `l+96` take the low nibble of `ql[l]`, the low nibble of `ql[l+32]`, the high nibble of
/// `ql[l]`, the high nibble of `ql[l+32]`, topped with bits 0–1, 2–3, 4–5, 6–7 of `qh[l]`
/// (`dequantize_row_q6_K`, ggml-quants.c).
enum Q6_KFormat: WeightFormat {
    static let type = GGMLType.q6_K
    static let bytesPerBlock = 210

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blockCount {
            let b = source + block * bytesPerBlock
            let d = b.f16Reference(208)
            for half in 0..<2 {
                let ql = b + 64 * half
                let qh = b + 128 + 32 * half
                let sc = b + 192 + 8 * half
                let y = destination + block * 256 + 128 * half
                for l in 0..<32 {
                    let s = l / 16
                    let q1 = Int(ql.byte(l) & 0x0F | ((qh.byte(l) >> 0) & 3) << 4) - 32
                    let q2 = Int(ql.byte(l + 32) & 0x0F | ((qh.byte(l) >> 2) & 3) << 4) - 32
                    let q3 = Int(ql.byte(l) >> 4 | ((qh.byte(l) >> 4) & 3) << 4) - 32
                    let q4 = Int(ql.byte(l + 32) >> 4 | ((qh.byte(l) >> 6) & 3) << 4) - 32
                    y[l] = d * Float(Int8(bitPattern: sc.byte(s))) * Float(q1)
                    y[l + 32] = d * Float(Int8(bitPattern: sc.byte(s + 2))) * Float(q2)
                    y[l + 64] = d * Float(Int8(bitPattern: sc.byte(s + 4))) * Float(q3)
                    y[l + 96] = d * Float(Int8(bitPattern: sc.byte(s + 6))) * Float(q4)
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
            let d = b.f16(208)
            for half in 0..<2 {
                let ql = b + 64 &* half
                let qh = b + (128 &+ 32 &* half)
                let sc = b + (192 &+ 8 &* half)
                let out = y + 128 &* half
                // Scales change every 16 elements, so run the 32 lanes as two runs of 16 with
                // four scales each; the inner loop is then branch-free and vectorises.
                for run in 0..<2 {
                    let s = run
                    let s1 = d * Float(sc.load(fromByteOffset: s, as: Int8.self))
                    let s2 = d * Float(sc.load(fromByteOffset: s &+ 2, as: Int8.self))
                    let s3 = d * Float(sc.load(fromByteOffset: s &+ 4, as: Int8.self))
                    let s4 = d * Float(sc.load(fromByteOffset: s &+ 6, as: Int8.self))
                    let base = 16 &* run
                    for i in 0..<16 {
                        let l = base &+ i
                        let low = ql.byte(l)
                        let low2 = ql.byte(l &+ 32)
                        let high = Int32(qh.byte(l))
                        let q1 = Int32(low & 0x0F) | ((high & 0x03) &<< 4)
                        let q2 = Int32(low2 & 0x0F) | ((high & 0x0C) &<< 2)
                        let q3 = Int32(low >> 4) | (high & 0x30)
                        let q4 = Int32(low2 >> 4) | ((high & 0xC0) &>> 2)
                        out[l] = s1 * Float(q1 &- 32)
                        out[l &+ 32] = s2 * Float(q2 &- 32)
                        out[l &+ 64] = s3 * Float(q3 &- 32)
                        out[l &+ 96] = s4 * Float(q4 &- 32)
                    }
                }
            }
            b += bytesPerBlock
            y += 256
        }
    }
}
