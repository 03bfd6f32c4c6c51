import Foundation

/// Options fixed at load.
public struct LoadOptions: Sendable {
    /// For DynamicNTK rope scaling: the sequence length the base is fixed for, once
    /// (EasyKV's `set_dynamicntk_rope_length`, EASYKV-SPEC §1.5). Nil: the model's context length
    /// (so the base is unchanged).
    public var ntkLength: Int?
    /// Prefill in fp32 (`sgemm`) instead of the int8 product, for results within 1e-4 of
    /// transformers (`--exact`). Default: off; the weights then stay in their mapped GGUF blocks.
    public var exact: Bool
    /// With `exact`: the most bytes of fp32 weight copies to keep for prefill; beyond it, prefill
    /// dequantizes a tile of weight rows at a time (issue 9). Default: half the physical memory.
    public var denseWeightLimit: Int

    public init(ntkLength: Int? = nil, exact: Bool = false, denseWeightLimit: Int? = nil) {
        self.exact = exact
        self.ntkLength = ntkLength
        self.denseWeightLimit = denseWeightLimit ?? Int(ProcessInfo.processInfo.physicalMemory / 2)
    }
}
