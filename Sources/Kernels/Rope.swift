#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Rotary position embedding (Su et al. 2021): pair `i` of each head's first `dimensionCount`
/// values rotates by `pos · θ_i`, `θ_i = base^(-2i/d)` with d = `dimensionCount`; the values past
/// it pass through (partial rotary, Phi-3). Which values form pair `i` is the `Style`.
public struct Rope: Sendable {
    /// How a head's values are paired (llama.cpp `llama_rope_type`).
    public enum Style: String, Sendable {
        /// ggml's "normal" mode: adjacent pairs `(x[2i], x[2i+1])`. Llama GGUFs store Q and K
        /// permuted (`convert_hf_to_gguf.py`, `LlamaModel.permute`) so that this equals Hugging
        /// Face's `rotate_half` on the original weights.
        case normal
        /// ggml's NeoX mode: pairs `(x[i], x[i + d/2])`, Hugging Face's `rotate_half` on rows
        /// as trained (Qwen2, Phi-3, Gemma, Gemma 2: `LLAMA_ROPE_TYPE_NEOX`; their converters
        /// leave Q and K unpermuted).
        case neox
    }

    /// Dimensions rotated per head (the first `dimensionCount` of `headDim`).
    public let dimensionCount: Int
    public let style: Style
    /// Per pair `i`: θ_i, already divided by the linear scaling factor.
    public let frequencies: [Double]

    /// - Parameters:
    ///   - base: the rope base (θ); for DynamicNTK pass the base fixed once (see `ntkBase`).
    ///   - positionScale: 1 / linear scaling factor.
    public init(dimensionCount: Int, base: Double, positionScale: Double = 1, style: Style = .normal) {
        precondition(dimensionCount % 2 == 0)
        self.dimensionCount = dimensionCount
        self.style = style
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
        // Pair i is (v[first(i)], v[first(i) + offset]).
        let (step, offset) = style == .normal ? (2, 1) : (1, half)
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let c = cs[2 * i]
                let s = cs[2 * i + 1]
                let a = v[step * i]
                let b = v[step * i + offset]
                v[step * i] = a * c - b * s
                v[step * i + offset] = a * s + b * c
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
