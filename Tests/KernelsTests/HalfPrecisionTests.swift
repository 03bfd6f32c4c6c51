import Testing

@testable import Kernels

struct HalfPrecisionTests {
    /// Every one of the 65,536 binary16 values: the branch-free conversion, the case-by-case
    /// reference and `Float16` agree bit for bit (NaNs come back quiet in all three), and the
    /// values are right where we know them.
    @Test func f16ToFloatExhaustive() {
        var mismatches: [UInt16] = []
        for bits in 0...UInt16.max {
            let fast = HalfPrecision.float(fromF16: bits)
            let reference = HalfPrecision.floatReference(fromF16: bits)
            if fast.bitPattern != reference.bitPattern { mismatches.append(bits) }
            #if !(arch(x86_64) && os(macOS))
                if Float(Float16(bitPattern: bits)).bitPattern != reference.bitPattern { mismatches.append(bits) }
            #endif
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
        #expect(HalfPrecision.floatReference(fromF16: 0x3C00) == 1)
        #expect(HalfPrecision.floatReference(fromF16: 0xC000) == -2)
        #expect(HalfPrecision.floatReference(fromF16: 0x7BFF) == 65504)
        #expect(HalfPrecision.floatReference(fromF16: 0x0001) == 0x1p-24)
        #expect(HalfPrecision.floatReference(fromF16: 0x03FF) == 1023 * 0x1p-24)
        #expect(HalfPrecision.floatReference(fromF16: 0x0400) == 0x1p-14)
        #expect(HalfPrecision.floatReference(fromF16: 0x8000).bitPattern == 0x8000_0000)
        #expect(HalfPrecision.floatReference(fromF16: 0xFC00) == -.infinity)
        #expect(HalfPrecision.floatReference(fromF16: 0x7E00).bitPattern == 0x7FC0_0000)
        #expect(
            HalfPrecision.floatReference(fromF16: 0x7C01).bitPattern == 0x7FC0_2000, "signalling NaN comes back quiet")
    }

    /// Float → binary16 round trip of every binary16 value, and rounding of the points between.
    @Test func floatToF16RoundTripAndTies() {
        for bits in 0...UInt16.max where (bits & 0x7C00) != 0x7C00 || (bits & 0x03FF) == 0 {
            let value = HalfPrecision.floatReference(fromF16: bits)
            #expect(HalfPrecision.f16BitsReference(from: value) == bits)
            #expect(HalfPrecision.f16Bits(from: value) == bits)
        }
        // Ties go to the even neighbour: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
        #expect(HalfPrecision.f16BitsReference(from: 1 + 0x1p-11) == 0x3C00)
        #expect(HalfPrecision.f16BitsReference(from: 1 + 3 * 0x1p-11) == 0x3C02)
        #expect(HalfPrecision.f16BitsReference(from: 1 + 0x1p-11 + 0x1p-20) == 0x3C01)
        // Subnormal ties, underflow and overflow.
        #expect(HalfPrecision.f16BitsReference(from: 0x1p-25) == 0x0000)
        #expect(HalfPrecision.f16BitsReference(from: 0x1p-25 + 0x1p-40) == 0x0001)
        #expect(HalfPrecision.f16BitsReference(from: 3 * 0x1p-25) == 0x0002)
        #expect(HalfPrecision.f16BitsReference(from: -0x1p-30) == 0x8000)
        #expect(HalfPrecision.f16BitsReference(from: 65519) == 0x7BFF)
        #expect(HalfPrecision.f16BitsReference(from: 65520) == 0x7C00)
        #expect(HalfPrecision.f16BitsReference(from: -1e10) == 0xFC00)
        #expect(HalfPrecision.f16BitsReference(from: .nan) & 0x7E00 == 0x7E00)
    }

    /// Random Floats over the whole range: the hand-written rounding agrees with `Float16`.
    @Test func floatToF16MatchesFloat16OnRandomFloats() {
        var rng = SplitMix64(seed: 42)
        var mismatches = 0
        for _ in 0..<200_000 {
            let bits = UInt32(truncatingIfNeeded: rng.next())
            // Bias towards the binary16 range (exponents 100…150) half of the time.
            let value =
                bits & 1 == 0
                ? Float(bitPattern: bits)
                : Float(bitPattern: (bits & 0x807F_FFFF) | UInt32(100 + (bits >> 24) % 51) << 23)
            if value.isNaN { continue }
            if HalfPrecision.f16BitsReference(from: value) != HalfPrecision.f16Bits(from: value) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func bf16IsTheHighHalfOfAFloat() {
        #expect(HalfPrecision.float(fromBF16: 0x3F80) == 1)
        #expect(HalfPrecision.float(fromBF16: 0xC0A0) == -5)
        #expect(HalfPrecision.float(fromBF16: 0x7F81).bitPattern == 0x7F81_0000, "payload and signalling bit kept")
        #expect(HalfPrecision.float(fromBF16: 0x0001) == Float(bitPattern: 0x0001_0000))
    }

    @Test func bulkConversions() {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x7C00, 0x3555]
        var floats = [Float](repeating: 0, count: halves.count)
        halves.withUnsafeBytes { src in
            floats.withUnsafeMutableBufferPointer {
                HalfPrecision.convertF16(src.baseAddress!, count: 5, into: $0.baseAddress!)
            }
        }
        #expect(floats == halves.map(HalfPrecision.floatReference(fromF16:)))
        var back = [UInt16](repeating: 0, count: 5)
        floats.withUnsafeBufferPointer { src in
            back.withUnsafeMutableBufferPointer {
                HalfPrecision.convertToF16(src.baseAddress!, count: 5, into: $0.baseAddress!)
            }
        }
        #expect(back == halves)
        let brains: [UInt16] = [0x3F80, 0x4049]
        brains.withUnsafeBytes { src in
            floats.withUnsafeMutableBufferPointer {
                HalfPrecision.convertBF16(src.baseAddress!, count: 2, into: $0.baseAddress!)
            }
        }
        #expect(floats[0] == 1 && floats[1] == Float(bitPattern: 0x4049_0000))
    }
}
