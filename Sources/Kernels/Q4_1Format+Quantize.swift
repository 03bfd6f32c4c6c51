extension Q4_1Format: BlockQuantizer {
    /// `quantize_row_q4_1_ref` (ggml-quants.c): `d = (max − min) / 15`, `m = min`,
    /// `q = min(15, trunc((x − min) / d + 0.5))`; nibbles as in Q4_0.
    static func quantize(_ source: UnsafePointer<Float>, blockCount: Int, into destination: UnsafeMutableRawPointer) {
        for block in 0..<blockCount {
            let x = source + block * 32
            let b = destination + block * bytesPerBlock
            guard isFinite(x) else {
                b.storeF16(.nan, at: 0)
                b.storeF16(.nan, at: 2)
                (b + 4).initializeMemory(as: UInt8.self, repeating: 0, count: 16)
                continue
            }
            var lowest = Float.greatestFiniteMagnitude
            var highest = -Float.greatestFiniteMagnitude
            for j in 0..<32 {
                lowest = min(lowest, x[j])
                highest = max(highest, x[j])
            }
            let d = (highest - lowest) / 15
            let id: Float = d == 0 ? 0 : 1 / d
            b.storeF16(d, at: 0)
            b.storeF16(lowest, at: 2)
            for j in 0..<16 {
                let low = nibble((x[j] - lowest) * id + 0.5)
                let high = nibble((x[j + 16] - lowest) * id + 0.5)
                b.storeBytes(of: low | high << 4, toByteOffset: 4 + j, as: UInt8.self)
            }
        }
    }
}
