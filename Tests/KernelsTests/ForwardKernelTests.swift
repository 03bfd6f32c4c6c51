import Foundation
import Testing

@testable import Kernels

/// The forward pass's fp32 kernels against their scalar reference twins.
@Suite struct ForwardKernelTests {
    /// Deterministic pseudo-random floats in [-scale, scale).
    func values(_ n: Int, seed: UInt64, scale: Float = 4) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    @Test func fastExpMatchesLibmAcrossTheRange() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let got = FastExp.exp(x)
            let want = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(FastExp.exp(-Float.infinity) == 0)
        #expect(FastExp.exp(-100) == 0)
        #expect(FastExp.exp(100) == .infinity)
        #expect(FastExp.exp(0) == 1)
    }

    @Test(arguments: [1, 15, 16, 17, 100, 1000])
    func softmaxMatchesReference(count: Int) {
        var fast = values(count, seed: UInt64(count), scale: 30)
        var slow = fast
        fast.withUnsafeMutableBufferPointer { Softmax.inPlace($0.baseAddress!, count: count) }
        slow.withUnsafeMutableBufferPointer { Softmax.reference($0.baseAddress!, count: count) }
        for i in 0..<count { #expect(abs(fast[i] - slow[i]) <= 1e-6 + 1e-5 * slow[i]) }
        #expect(abs(fast.reduce(0, +) - 1) < 1e-5)
    }

    @Test func softmaxGivesMaskedEntriesZero() {
        var x: [Float] = [1, -.infinity, 2, -.infinity] + Array(repeating: 0, count: 20)
        x.withUnsafeMutableBufferPointer { Softmax.inPlace($0.baseAddress!, count: $0.count) }
        #expect(x[1] == 0 && x[3] == 0 && x[2] > x[0])
    }

    @Test func swigluMatchesReference() {
        let rows = 3
        let width = 40
        let fused = values(rows * 2 * width, seed: 7)
        var fast = [Float](repeating: 0, count: rows * width)
        var slow = fast
        fast.withUnsafeMutableBufferPointer {
            SwiGLU.apply(fused: fused, rows: rows, width: width, into: $0.baseAddress!)
        }
        slow.withUnsafeMutableBufferPointer {
            SwiGLU.reference(fused: fused, rows: rows, width: width, into: $0.baseAddress!)
        }
        for i in 0..<fast.count { #expect(abs(fast[i] - slow[i]) <= 1e-5 * max(1, abs(slow[i]))) }
    }

    @Test func gegluMatchesReference() {
        let rows = 3
        let width = 40
        let fused = values(rows * 2 * width, seed: 8)
        var fast = [Float](repeating: 0, count: rows * width)
        var slow = fast
        fast.withUnsafeMutableBufferPointer {
            GeGLU.apply(fused: fused, rows: rows, width: width, into: $0.baseAddress!)
        }
        slow.withUnsafeMutableBufferPointer {
            GeGLU.reference(fused: fused, rows: rows, width: width, into: $0.baseAddress!)
        }
        for i in 0..<fast.count { #expect(abs(fast[i] - slow[i]) <= 1e-5 * max(1, abs(slow[i]))) }
        // The tanh form, not erf: at x = 1, gelu_tanh(1) = 0.8411920 and gelu_erf(1) = 0.8413447.
        var one: [Float] = [1, 1]
        var out: [Float] = [0]
        out.withUnsafeMutableBufferPointer { GeGLU.apply(fused: &one, rows: 1, width: 1, into: $0.baseAddress!) }
        #expect(abs(out[0] - 0.841_192_0) < 2e-7)
    }

    @Test func rmsNormMatchesDefinition() {
        let width = 37
        let x = values(2 * width, seed: 3)
        let w = values(width, seed: 4)
        var y = [Float](repeating: 0, count: 2 * width)
        y.withUnsafeMutableBufferPointer {
            RMSNorm.apply(x, weight: w, rows: 2, width: width, epsilon: 1e-5, into: $0.baseAddress!)
        }
        for r in 0..<2 {
            let row = x[(r * width)..<((r + 1) * width)]
            let rms = (row.reduce(0) { $0 + Double($1) * Double($1) } / Double(width) + 1e-5).squareRoot()
            for j in 0..<width {
                let want = Double(row[r * width + j]) / rms * Double(w[j])
                #expect(abs(Double(y[r * width + j]) - want) < 1e-5)
            }
        }
    }

    @Test func ropeRotatesAdjacentPairsByPositionTimesTheta() {
        let rope = Rope(dimensionCount: 8, base: 10000)
        var v: [Float] = [1, 0, 1, 0, 1, 0, 1, 0]
        v.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, heads: 1, headDim: 8, position: 3) }
        for i in 0..<4 {
            let angle = 3 * Foundation.pow(10000, -Double(2 * i) / 8)
            #expect(abs(Double(v[2 * i]) - Foundation.cos(angle)) < 1e-6)
            #expect(abs(Double(v[2 * i + 1]) - Foundation.sin(angle)) < 1e-6)
        }
        // Linear scaling divides positions.
        let scaled = Rope(dimensionCount: 8, base: 10000, positionScale: 0.5)
        var a: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        var b = a
        a.withUnsafeMutableBufferPointer { scaled.apply($0.baseAddress!, heads: 1, headDim: 8, position: 6) }
        b.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, heads: 1, headDim: 8, position: 3) }
        for i in 0..<8 { #expect(abs(a[i] - b[i]) < 1e-5) }
    }

    /// NeoX pairs `(x[i], x[i + d/2])` over the first `dimensionCount` values and leaves the
    /// rest (partial rotary): 12 of 16 values as in the Phi-3 fixture.
    @Test func neoxRopeRotatesHalvesAndLeavesTheTail() {
        let rope = Rope(dimensionCount: 12, base: 10000, style: .neox)
        let original = values(32, seed: 21)
        var v = original
        v.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, heads: 2, headDim: 16, position: 5) }
        for h in 0..<2 {
            let x = Array(original[(h * 16)..<(h * 16 + 16)])
            for i in 0..<6 {
                let angle = 5 * Foundation.pow(10000, -Double(2 * i) / 12)
                let (c, s) = (Foundation.cos(angle), Foundation.sin(angle))
                let a = Double(x[i])
                let b = Double(x[i + 6])
                #expect(abs(Double(v[h * 16 + i]) - (a * c - b * s)) < 1e-5)
                #expect(abs(Double(v[h * 16 + i + 6]) - (a * s + b * c)) < 1e-5)
            }
            for i in 12..<16 { #expect(v[h * 16 + i] == x[i]) }
        }
    }

    @Test func dynamicNTKBaseMatchesTheSpecExamples() {
        // EASYKV-SPEC §1.5: base 10000, factor 2, max_pos 4096, d 128.
        let b1 = Rope.ntkBase(base: 10000, factor: 2, length: 5200, maxPositions: 4096, dimensionCount: 128)
        let b2 = Rope.ntkBase(base: 10000, factor: 2, length: 11000, maxPositions: 4096, dimensionCount: 128)
        #expect(abs(b1 - 15496.3) < 0.1)
        #expect(abs(b2 - 44746.4) < 0.1)
        #expect(Rope.ntkBase(base: 10000, factor: 2, length: 4000, maxPositions: 4096, dimensionCount: 128) == 10000)
    }

    @Test func parallelMatmulMatchesReference() {
        let (m, n, k) = (5, 67, 33)
        let a = values(m * k, seed: 11)
        let b = values(n * k, seed: 12)
        var fast = [Float](repeating: 1, count: m * n)
        var slow = [Float](repeating: 0, count: m * n)
        fast.withUnsafeMutableBufferPointer {
            Matmul.timesTransposedParallel(a, rows: m, b, rows: n, inner: k, into: $0.baseAddress!, beta: 1)
        }
        slow.withUnsafeMutableBufferPointer {
            Matmul.timesTransposedReference(a, rows: m, b, rows: n, inner: k, into: $0.baseAddress!)
        }
        for i in 0..<(m * n) { #expect(abs(fast[i] - (slow[i] + 1)) < 1e-3) }
    }
}
