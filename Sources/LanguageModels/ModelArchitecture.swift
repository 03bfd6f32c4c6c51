import Kernels

/// What one model family's forward pass does differently from Llama's, chosen once at load from
/// `general.architecture` (llama.cpp's `llm_arch` names). The weights loader and the layer loop
/// follow these traits instead of testing the family's name; every family's recipe is in
/// `init(family:)`. Tensor names, metadata keys and the math per family are written out in
/// Tests/LanguageModelsTests/Fixtures/README.md ("What a reader must do differently from Llama").
public struct ModelArchitecture: Sendable, Equatable {
    /// The `general.architecture` values this forward pass runs.
    public enum Family: String, CaseIterable, Sendable {
        case llama
        /// llama.cpp writes Mistral files as `llama`; a file that says `mistral` runs the same way.
        case mistral
        /// Qwen2 and Qwen2.5.
        case qwen2
        /// Phi-3, Phi-3.5 and Phi-4-mini.
        case phi3
        case gemma
        case gemma2
    }

    /// The gate of the feed-forward block: `act(gate) ⊙ up`.
    public enum Activation: String, Sendable {
        /// SwiGLU, `silu(x) = x / (1 + e^−x)` (Llama).
        case silu
        /// GeGLU with the tanh form of GELU (transformers `gelu_pytorch_tanh`, llama.cpp
        /// `ggml_gelu`).
        case geluTanh = "gelu_tanh"

        /// `act(gate) ⊙ up` for `rows` rows laid out `[gate (width) | up (width)]`.
        func apply(fused: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
            switch self {
            case .silu: SwiGLU.apply(fused: fused, rows: rows, width: width, into: output)
            case .geluTanh: GeGLU.apply(fused: fused, rows: rows, width: width, into: output)
            }
        }
    }

    /// Which layers attend through a sliding window.
    public enum WindowRule: Sendable, Equatable {
        /// None, whatever the file says: llama.cpp ignores `phi3.attention.sliding_window`
        /// ("Phi SWA is currently disabled", src/models/phi3.cpp) and never reads one for Qwen2
        /// or Gemma.
        case ignored
        /// `{arch}.attention.sliding_window`, when present and positive, on every layer (Mistral).
        case everyLayer
        /// Gemma 2: `{arch}.attention.sliding_window` (default `defaultWindow`) on the layers
        /// where `layer % period < period − 1`, period `{arch}.attention.sliding_window_pattern`
        /// (default `defaultPeriod`): llama.cpp `llama_hparams::set_swa_pattern`.
        case periodic(defaultWindow: Int, defaultPeriod: Int)
    }

    /// How attention scores are scaled.
    public enum AttentionScale: Sendable, Equatable {
        /// 1/√(head size).
        case inverseSqrtHeadDim
        /// Gemma 2: 1/√(hidden/heads) for the 46-layer 27B model (its `query_pre_attn_scalar`),
        /// else 1/√(head size) (llama.cpp src/models/gemma2.cpp, `f_attention_scale`).
        case gemma2
    }

    /// Soft-caps `c·tanh(x/c)`, with llama.cpp's defaults for a file that omits the keys
    /// (llama-hparams.h: 50 and 30, the Gemma 2 paper's values).
    public struct SoftCaps: Sendable, Equatable {
        public var attention: Double
        public var finalLogits: Double
    }

    public let family: Family
    /// How RoPE pairs a head's values (llama.cpp `llama_model_rope_type`).
    public let ropeStyle: Rope.Style
    public let activation: Activation
    /// Q, K and V have biases (`blk.N.attn_{q,k,v}.bias`, required), added after the product.
    public let attentionBiases: Bool
    /// Q/K/V are one tensor, `blk.N.attn_qkv.weight` (rows Q | K | V), and gate/up are one,
    /// `blk.N.ffn_up.weight` (rows gate | up), as Phi-3 stores them.
    public let fusedTensors: Bool
    /// The token embedding is multiplied by √hidden before the first layer.
    public let scalesEmbedding: Bool
    /// Each block's attention and feed-forward outputs go through their own RMSNorm
    /// (`post_attention_norm`, `post_ffw_norm`) before joining the residual stream.
    public let postNorms: Bool
    /// The output head is `token_embd.weight` even when the file has an `output.weight`.
    public let alwaysTiesOutput: Bool
    public let window: WindowRule
    public let attentionScale: AttentionScale
    /// Soft-capping of attention scores and final logits (nil: none).
    public let softCaps: SoftCaps?

    public var name: String { family.rawValue }

    public init(family: Family) {
        switch family {
        case .llama, .mistral:
            self.init(family, rope: .normal, window: .everyLayer)
        case .qwen2:
            self.init(family, rope: .neox, attentionBiases: true)
        case .phi3:
            self.init(family, rope: .neox, fusedTensors: true)
        case .gemma:
            self.init(family, rope: .neox, activation: .geluTanh, scalesEmbedding: true, alwaysTiesOutput: true)
        case .gemma2:
            self.init(
                family, rope: .neox, activation: .geluTanh, scalesEmbedding: true, postNorms: true,
                alwaysTiesOutput: true, window: .periodic(defaultWindow: 4096, defaultPeriod: 2),
                attentionScale: .gemma2, softCaps: SoftCaps(attention: 50, finalLogits: 30))
        }
    }

    /// The family named `name`, if this build runs it.
    public init?(name: String) {
        guard let family = Family(rawValue: name) else { return nil }
        self.init(family: family)
    }

    private init(
        _ family: Family, rope: Rope.Style, activation: Activation = .silu, attentionBiases: Bool = false,
        fusedTensors: Bool = false, scalesEmbedding: Bool = false, postNorms: Bool = false,
        alwaysTiesOutput: Bool = false, window: WindowRule = .ignored,
        attentionScale: AttentionScale = .inverseSqrtHeadDim,
        softCaps: SoftCaps? = nil
    ) {
        self.family = family
        ropeStyle = rope
        self.activation = activation
        self.attentionBiases = attentionBiases
        self.fusedTensors = fusedTensors
        self.scalesEmbedding = scalesEmbedding
        self.postNorms = postNorms
        self.alwaysTiesOutput = alwaysTiesOutput
        self.window = window
        self.attentionScale = attentionScale
        self.softCaps = softCaps
    }
}
