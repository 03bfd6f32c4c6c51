/// Conversions between `Float` and the 16-bit float encodings GGUF weights use: IEEE 754
/// binary16 (ggml `F16`, also the scales inside every quantized block) and bfloat16 (ggml `BF16`).
///
/// binary16 → Float is branch-free bit arithmetic that vectorises in every build; Float →
/// binary16 uses Swift's `Float16` (F16C's `vcvtps2ph` with `-target-cpu native`). The
/// `…Reference` twins do both by hand, case by case (tests compare them with `Float16` and the
/// fast path over every binary16 value); they are also the fallback where `Float16` does not exist
/// (macOS on Intel).
///
/// NaN handling follows the F16C instructions: a signalling binary16 NaN comes back as the quiet
/// Float NaN with the same sign and payload (numpy keeps it signalling; no weight file holds one).
public enum HalfPrecision {
    /// The Float value of IEEE binary16 `bits` (exact).
    ///
    /// Branch-free integer and float arithmetic (the method of Maratyszcza's FP16 library, which
    /// ggml's generic `ggml_compute_fp16_to_fp32` also uses): it vectorises in any build, where
    /// `Float16` conversion without F16C is a library call per value (~0.15 G values/s).
    @inlinable @inline(__always)
    public static func float(fromF16 bits: UInt16) -> Float {
        let w = UInt32(bits) &<< 16
        let sign = w & 0x8000_0000
        let twice = w &<< 1  // exponent and fraction, sign dropped
        // Normal, infinite and NaN halves: move the exponent and fraction into Float position with
        // the exponent rebiased by +224, then scale by 2^-112 (exact): net +112 = 127 − 15.
        // Exponent 31 lands on 255, so infinities stay infinite and NaNs stay NaN (made quiet).
        let normal = Float(bitPattern: (twice &>> 4) &+ (0xE0 &<< 23)) * 0x1p-112
        // Subnormal halves (and zero): fraction × 2^-24, computed as (0.5 + fraction × 2^-24) − 0.5
        // with the fraction placed in the low bits of a Float whose exponent means 0.5.
        let subnormal = Float(bitPattern: (twice &>> 17) | (126 &<< 23)) - 0.5
        let magnitude = twice < (1 &<< 27) ? subnormal.bitPattern : normal.bitPattern
        return Float(bitPattern: sign | magnitude)
    }

    /// `value` as IEEE binary16 bits, rounded to nearest even; too large becomes ±infinity.
    @inlinable @inline(__always)
    public static func f16Bits(from value: Float) -> UInt16 {
        #if arch(x86_64) && os(macOS)
            return f16BitsReference(from: value)
        #else
            return Float16(value).bitPattern
        #endif
    }

    /// The Float value of bfloat16 `bits` (exact: bfloat16 is the high half of a Float).
    @inlinable @inline(__always)
    public static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) &<< 16)
    }

    /// Converts `count` binary16 values at `source` (any alignment) to Float.
    public static func convertF16(
        _ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count {
            destination[i] = float(fromF16: source.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
        }
    }

    /// Converts `count` Floats to binary16 bits, rounding to nearest even.
    public static func convertToF16(
        _ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutablePointer<UInt16>
    ) {
        for i in 0..<count { destination[i] = f16Bits(from: source[i]) }
    }

    /// Converts `count` bfloat16 values at `source` (any alignment) to Float.
    public static func convertBF16(
        _ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count {
            destination[i] = float(fromBF16: source.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
        }
    }

    // MARK: - Bit-level references

    /// binary16 → Float by hand (IEEE 754-2008 §3.4 binary16: 1 sign, 5 exponent bits with bias
    /// 15, 10 fraction bits; exponent 0 holds zeros and subnormals, 31 holds infinities and NaNs).
    @inlinable
    public static func floatReference(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        var fraction = UInt32(bits & 0x03FF)
        switch exponent {
        case 0x1F:
            // Infinity (fraction 0) or NaN: the payload moves to the top of the Float fraction,
            // and the quiet bit is set as F16C does.
            let quiet: UInt32 = fraction == 0 ? 0 : 0x0040_0000
            return Float(bitPattern: sign | 0x7F80_0000 | quiet | (fraction << 13))
        case 0:
            guard fraction != 0 else { return Float(bitPattern: sign) }
            // Subnormal: value = fraction × 2^-24. Shift the leading 1 up to the implicit-bit
            // position (bit 10), lowering the exponent once per shift; every binary16 subnormal
            // is a normal Float.
            var e = -14
            while fraction & 0x0400 == 0 {
                fraction <<= 1
                e -= 1
            }
            fraction &= 0x03FF
            return Float(bitPattern: sign | (UInt32(e + 127) << 23) | (fraction << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (fraction << 13))
        }
    }

    /// Float → binary16 bits by hand, rounding to nearest, ties to even, as IEEE 754 requires.
    @inlinable
    public static func f16BitsReference(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let fraction = bits & 0x007F_FFFF
        if exponent == 0xFF {
            // Infinity, or NaN kept quiet with the top 9 bits of its payload.
            return fraction == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: fraction >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // binary16 subnormal (or zero): the result is the 24-bit significand × 2^(exponent-126),
            // i.e. shifted right by 126 - exponent ≥ 14 bits, rounded. Beyond 24 bits it rounds to 0.
            // (Float subnormals, exponent 0, land here too and become ±0.)
            let shift = 126 - exponent
            guard shift <= 24 else { return sign }
            let significand = fraction | 0x0080_0000
            return sign | UInt16(roundShift(significand, by: shift))
        }
        // Normal: keep 10 fraction bits and round on the 13 dropped ones. A carry out of the
        // fraction correctly bumps the exponent, up to infinity (0x7C00).
        let truncated = UInt32(halfExponent) << 10 | (fraction >> 13)
        let dropped = fraction & 0x1FFF
        let roundUp = dropped > 0x1000 || (dropped == 0x1000 && truncated & 1 == 1)
        return sign | UInt16(truncated + (roundUp ? 1 : 0))
    }

    /// `value >> shift` rounded to nearest, ties to even (0 < shift < 32).
    @inlinable
    static func roundShift(_ value: UInt32, by shift: Int) -> UInt32 {
        let quotient = value >> UInt32(shift)
        let remainder = value & ((1 << UInt32(shift)) - 1)
        let half: UInt32 = 1 << UInt32(shift - 1)
        let roundUp = remainder > half || (remainder == half && quotient & 1 == 1)
        return roundUp ? quotient + 1 : quotient
    }
}
