/// The packed 6-bit scales and mins of the Q4_K and Q5_K super-blocks.
///
/// Twelve bytes hold eight (scale, min) pairs, one per 32-element sub-block `j`
/// (`get_scale_min_k4`, ggml-quants.c): for `j < 4` the low six bits of byte `j` (scale) and of
/// byte `j + 4` (min); for `j ≥ 4` the nibbles of byte `j + 4` (low: scale, high: min) topped up
/// with the two spare high bits of bytes `j − 4` (scale) and `j` (min).
enum KQuantScales {
    /// Scale and min of sub-block `j` (0..<8) from the 12 bytes at `scales`.
    @inline(__always)
    static func scaleAndMin(_ j: Int, _ scales: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (scales.byte(j) & 63, scales.byte(j &+ 4) & 63)
        }
        let low = scales.byte(j &+ 4)
        let scale = (low & 0x0F) | ((scales.byte(j &- 4) >> 6) << 4)
        let min = (low >> 4) | ((scales.byte(j) >> 6) << 4)
        return (scale, min)
    }
}
