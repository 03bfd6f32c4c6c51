import Foundation
import Kernels
import LanguageModels

/// How fast prefill could go if it were nothing but its weight products: the `sgemm` calls of
/// one 512-token stride (fused Q/K/V, output, fused gate/up and down projections of one layer,
/// times the layer count) timed on random data with every worker, as prefill runs them
/// (`Matmul.timesTransposedParallel`). Attention, norms, RoPE and the KV policy come on top, so
/// no fp32 prefill of this model on this machine exceeds `tokensPerSecond`; it is the yardstick
/// for the stride target (issue 9), whose small-stride side runs on the integer decode kernels.
public struct PrefillCeiling: Sendable, Codable {
    /// Rows of activations per product (one stride).
    public var rows: Int
    /// Floating-point operations of the projections per token (2 per multiply-add).
    public var flopsPerToken: Double
    /// The products' speed, FLOP/s.
    public var flopsPerSecond: Double
    /// `flopsPerSecond / flopsPerToken`.
    public var tokensPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case rows
        case flopsPerToken = "flops_per_token"
        case flopsPerSecond = "flops_per_second"
        case tokensPerSecond = "tokens_per_second"
    }

    /// Best of `repeats` wall times per shape (the workers run in parallel, so thread CPU time
    /// would not do).
    public static func measure(_ c: ModelConfiguration, rows: Int = 512, repeats: Int = 5) -> PrefillCeiling {
        let d = c.hiddenSize
        // (outputs, inputs) of each product of one layer.
        let shapes = [(c.qDim + 2 * c.kvDim, d), (d, c.qDim), (2 * c.feedForwardSize, d), (d, c.feedForwardSize)]
        var seconds = 0.0
        var multiplyAdds = 0.0
        for (n, k) in shapes {
            let a = (0..<(rows * k)).map { Float(($0 % 13) - 6) / 8 }
            let b = (0..<(n * k)).map { Float(($0 % 11) - 5) / 8 }
            var out = [Float](repeating: 0, count: rows * n)
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                Matmul.timesTransposedParallel(a, rows: rows, b, rows: n, inner: k, into: &out)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            seconds += best
            multiplyAdds += Double(rows * n * k)
        }
        let flopsPerToken = 2 * multiplyAdds / Double(rows) * Double(c.layerCount)
        let flopsPerSecond = 2 * multiplyAdds / seconds
        return PrefillCeiling(
            rows: rows, flopsPerToken: flopsPerToken, flopsPerSecond: flopsPerSecond,
            tokensPerSecond: flopsPerSecond / flopsPerToken)
    }
}
