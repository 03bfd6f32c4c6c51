extension Q4_0Format: BlockQuantizer {
    /// `quantize_row_q4_0_ref` (ggml-quants.c): `d = m / −8` for the element `m` of largest
    /// magnitude (its sign kept, the first on ties), `q = min(15, trunc(x / d + 8.5))`; element `j`
    /// in the low nibble of byte `j`, element `j + 16` in its high nibble.
    static func quantize(_ source: UnsafePointer<Float>, blockCount: Int, into destination: UnsafeMutableRawPointer) {
        for block in 0..<blockCount {
            let x = source + block * 32
            let b = destination + block * bytesPerBlock
            guard isFinite(x) else {
                b.storeF16(.nan, at: 0)
                (b + 2).initializeMemory(as: UInt8.self, repeating: 0, count: 16)
                continue
            }
            var amax: Float = 0
            var signedMax: Float = 0
            for j in 0..<32 where abs(x[j]) > amax {
                amax = abs(x[j])
                signedMax = x[j]
            }
            let d = signedMax / -8
            let id: Float = d == 0 ? 0 : 1 / d
            b.storeF16(d, at: 0)
            for j in 0..<16 {
                let low = nibble(x[j] * id + 8.5)
                let high = nibble(x[j + 16] * id + 8.5)
                b.storeBytes(of: low | high << 4, toByteOffset: 2 + j, as: UInt8.self)
            }
        }
    }
}
