extension Q8_0Format: BlockQuantizer {
    /// `quantize_row_q8_0_ref` (ggml-quants.c): `d = max|x| / 127`, `q = round(x / d)` half away
    /// from zero, with the fp32 `1/d` (not the stored binary16 `d`), as gguf-py does too.
    static func quantize(_ source: UnsafePointer<Float>, blockCount: Int, into destination: UnsafeMutableRawPointer) {
        for block in 0..<blockCount {
            let x = source + block * 32
            let b = destination + block * bytesPerBlock
            guard isFinite(x) else {
                b.storeF16(.nan, at: 0)
                (b + 2).initializeMemory(as: UInt8.self, repeating: 0, count: 32)
                continue
            }
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(x[j])) }
            let d = amax / 127
            let id: Float = d == 0 ? 0 : 1 / d
            b.storeF16(d, at: 0)
            for j in 0..<32 {
                b.storeBytes(of: int8(x[j] * id), toByteOffset: 2 + j, as: Int8.self)
            }
        }
    }
}
