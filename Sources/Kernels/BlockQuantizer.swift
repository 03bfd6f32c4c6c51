import GGUF

/// A weight format that can also encode: Floats → blocks, as ggml's scalar `quantize_row_*_ref`
/// (ggml-quants.c) and gguf-py's `gguf.quants.quantize` do. The quantized KV cache stores its rows
/// this way (issue 15), so its blocks are the ones `dequantize` and the integer kernels read.
///
/// Tests hold each encoder byte for byte to gguf-py's (`Fixtures/kvquant`, made by
/// `tools/reference/make_kv_quant_fixtures.py`).
protocol BlockQuantizer: WeightFormat {
    /// Encodes `blockCount · 32` Floats at `source` into `blockCount` blocks at `destination`.
    static func quantize(_ source: UnsafePointer<Float>, blockCount: Int, into destination: UnsafeMutableRawPointer)
}

extension BlockQuantizer {
    /// Whether the 32 values at `x` are finite. A block that is not gets a NaN scale and zero
    /// quants, so a NaN key or value stays NaN downstream (generation then reports non-finite
    /// logits) instead of trapping in a conversion or turning into a number.
    @inline(__always)
    static func isFinite(_ x: UnsafePointer<Float>) -> Bool {
        var all = true
        for j in 0..<32 { all = all && x[j].isFinite }
        return all
    }

    /// A 4-bit level from `v` ≥ 0, truncated and capped at 15 as ggml's `MIN(15, (int8_t)v)`;
    /// NaN (a scale whose inverse overflowed) gives 0 instead of trapping.
    @inline(__always)
    static func nibble(_ v: Float) -> UInt8 { v >= 0 ? UInt8(min(v, 15)) : 0 }

    /// `v` rounded half away from zero (C `roundf`) as int8, saturated, NaN as 0.
    @inline(__always)
    static func int8(_ v: Float) -> Int8 {
        let r = v.rounded(.toNearestOrAwayFromZero)
        return r >= 127 ? 127 : r <= -128 ? -128 : r == r ? Int8(r) : 0
    }
}

extension UnsafeMutableRawPointer {
    /// Stores `value` as binary16 at `offset` (any alignment).
    @inline(__always)
    func storeF16(_ value: Float, at offset: Int) {
        storeBytes(of: HalfPrecision.f16Bits(from: value), toByteOffset: offset, as: UInt16.self)
    }
}
