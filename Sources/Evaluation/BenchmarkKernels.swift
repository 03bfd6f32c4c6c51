import Foundation
import GGUF
import Kernels

/// Single-thread speed of the decode kernels (`QuantizedDot`) per weight format, on random
/// blocks with finite scales: a 4,096 × 1,536 matrix (SmolLM2's FFN down projection is
/// 576 × 1,536) times 1 or 4 activation rows.
public struct KernelFigure: Sendable, Codable {
    public var type: String
    public var batch: Int
    /// Weights of the matrix per second.
    public var weightsPerSecond: Double
    /// Multiply-adds per second (weights × batch).
    public var multiplyAddsPerSecond: Double
    /// The scalar reference twin on the same data (`timesTransposedReference`), weights/s.
    public var referenceWeightsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case type, batch
        case weightsPerSecond = "weights_per_second"
        case multiplyAddsPerSecond = "multiply_adds_per_second"
        case referenceWeightsPerSecond = "reference_weights_per_second"
    }
}

public enum BenchmarkKernels {
    /// The formats measured, Llama-2/Mistral's K-quants included.
    public static let types: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// Best of `repeats` timings of the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`):
    /// on a shared machine, wall time would mostly measure the other processes.
    public static func measure(
        types: [GGMLType] = types, rows: Int = 4096, columns: Int = 1536, batches: [Int] = [1, 4], repeats: Int = 10
    ) throws -> [KernelFigure] {
        var figures: [KernelFigure] = []
        var state: UInt64 = 0x5EED
        func nextByte() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for type in types {
            let rowBytes = columns / type.blockSize * type.bytesPerBlock
            var weights = (0..<(rows * rowBytes)).map { _ in nextByte() }
            keepScalesFinite(&weights, type: type)
            for batch in batches {
                let x = (0..<(batch * columns)).map { _ in Float(Int(nextByte()) - 128) / 128 }
                var activations = try QuantizedActivations(rows: batch, columns: columns)
                x.withUnsafeBufferPointer { activations.quantize($0.baseAddress!) }
                var out = [Float](repeating: 0, count: batch * rows)
                let referenceRows = 128
                var fast = Double.infinity
                var reference = Double.infinity
                try weights.withUnsafeBytes { w in
                    try out.withUnsafeMutableBufferPointer { o in
                        for _ in 0..<repeats {
                            let t0 = threadSeconds()
                            try QuantizedDot.timesTransposed(
                                activations, type, weights: w.baseAddress!, rows: rows, into: o.baseAddress!)
                            fast = min(fast, threadSeconds() - t0)
                        }
                        for _ in 0..<2 {
                            let t0 = threadSeconds()
                            try QuantizedDot.timesTransposedReference(
                                activations, type, weights: w.baseAddress!, rows: referenceRows, into: o.baseAddress!)
                            reference = min(reference, threadSeconds() - t0)
                        }
                    }
                }
                let weightCount = Double(rows * columns)
                figures.append(
                    KernelFigure(
                        type: type.description, batch: batch, weightsPerSecond: weightCount / fast,
                        multiplyAddsPerSecond: weightCount * Double(batch) / fast,
                        referenceWeightsPerSecond: Double(referenceRows * columns) / reference))
            }
        }
        return figures
    }

    static func threadSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Clears bit 14 of each f16 scale/min so random bytes decode to finite values below 2.
    static func keepScalesFinite(_ bytes: inout [UInt8], type: GGMLType) {
        let offsets: [Int]
        switch type {
        case .q4_0, .q5_0, .q8_0: offsets = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: offsets = [0, 2]
        case .q6_K: offsets = [208]
        default: offsets = []
        }
        for block in stride(from: 0, to: bytes.count, by: type.bytesPerBlock) {
            for offset in offsets { bytes[block + offset + 1] &= 0xBF }
        }
    }
}
