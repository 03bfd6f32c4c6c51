#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Rotary position embedding (Su et al. 2021) in ggml's "normal" mode: adjacent pairs
/// `(x[2i], x[2i+1])` rotate by `pos · θ_i`, `θ_i = base^(-2i/d)`. GGUF files store the Q and K
/// projections permuted (llama.cpp `convert_hf_to_gguf.py`, `LlamaModel.permute`) so that this
/// pairing equals Hugging Face's `rotate_half` on the original weights.
public struct Rope: Sendable {
    /// Dimensions rotated per head (the first `dimensionCount` of `headDim`).
    public let dimensionCount: Int
    /// Per pair `i`: θ_i, already divided by the linear scaling factor.
    public let frequencies: [Double]

    /// - Parameters:
    ///   - base: the rope base (θ); for DynamicNTK pass the base fixed once (see `ntkBase`).
    ///   - positionScale: 1 / linear scaling factor.
    public init(dimensionCount: Int, base: Double, positionScale: Double = 1) {
        precondition(dimensionCount % 2 == 0)
        self.dimensionCount = dimensionCount
        // HF computes inv_freq = 1 / base^(arange(0, d, 2) / d).
        frequencies = (0..<dimensionCount / 2).map {
            positionScale / pow(base, Double(2 * $0) / Double(dimensionCount))
        }
    }

    /// HF's DynamicNTK base for a sequence of `length` tokens (EASYKV-SPEC §1.5):
    /// `base · (factor·length/maxPositions − (factor−1))^(d/(d−2))`, unchanged when
    /// `length ≤ maxPositions`.
    public static func ntkBase(base: Double, factor: Double, length: Int, maxPositions: Int, dimensionCount d: Int)
        -> Double
    {
        guard length > maxPositions else { return base }
        let ratio = factor * Double(length) / Double(maxPositions) - (factor - 1)
        return base * pow(ratio, Double(d) / Double(d - 2))
    }

    /// Writes `cos(pos·θ_i), sin(pos·θ_i)` pairs for one position into `table`
    /// (`dimensionCount` floats), for reuse across layers and heads.
    @inline(__always)
    public func fill(position: Int, into table: UnsafeMutablePointer<Float>) {
        let p = Double(position)
        for i in 0..<dimensionCount / 2 {
            let angle = p * frequencies[i]
            table[2 * i] = Float(cos(angle))
            table[2 * i + 1] = Float(sin(angle))
        }
    }

    /// Rotates `heads` heads of `headDim` in the row `x` by a table from `fill(position:into:)`.
    @inline(__always)
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, table cs: UnsafePointer<Float>) {
        let half = dimensionCount / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let c = cs[2 * i]
                let s = cs[2 * i + 1]
                let a = v[2 * i]
                let b = v[2 * i + 1]
                v[2 * i] = a * c - b * s
                v[2 * i + 1] = a * s + b * c
            }
        }
    }

    /// Rotates `heads` heads of `headDim` in the row `x` for `position`.
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, position: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: dimensionCount) { cs in
            fill(position: position, into: cs.baseAddress!)
            apply(x, heads: heads, headDim: headDim, table: cs.baseAddress!)
        }
    }
}
