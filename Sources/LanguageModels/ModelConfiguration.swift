import GGUF

/// How positions are scaled before RoPE (HF `rope_scaling`).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Positions divided by `factor` (HF "linear").
    case linear(factor: Double)
    /// HF "dynamic" NTK: the base grows with the sequence length past `originalContext`. EasyKV
    /// fixes it once from a user-given length (EASYKV-SPEC §1.5); see `ropeBase(forLength:)`.
    case dynamicNTK(factor: Double, originalContext: Int)
}

/// Hyperparameters of a model, read from GGUF metadata (`init(file:)`, in
/// ModelConfiguration+GGUF.swift): the sizes, and the family's traits (`architecture`) with the
/// values they take in this file.
public struct ModelConfiguration: Sendable, Equatable {
    public var architecture: ModelArchitecture
    public var layerCount: Int
    public var contextLength: Int
    public var hiddenSize: Int
    public var feedForwardSize: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var rmsEpsilon: Float
    public var ropeBase: Double
    public var ropeDimensionCount: Int
    public var ropeScaling: RopeScaling
    /// The sliding attention window in tokens; nil for full attention everywhere.
    public var slidingWindow: Int?
    /// The layers that attend through `slidingWindow` (Mistral: all; Gemma 2: the even ones);
    /// empty without a window.
    public var slidingWindowLayers: Set<Int>
    /// The factor on attention scores before softmax.
    public var attentionScale: Float
    /// Gemma 2: attention scores become `c·tanh(s/c)` before the mask.
    public var attentionSoftCap: Float?
    /// Gemma 2: logits become `c·tanh(z/c)`.
    public var finalLogitSoftCap: Float?
    public var vocabSize: Int
    /// True when the token embedding doubles as the output (no `output.weight`, or a family
    /// that always ties).
    public var tiedEmbeddings: Bool

    /// Query heads per KV head (1 for MHA, `headCount` for MQA).
    public var groupSize: Int { headCount / kvHeadCount }
    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }

    /// Gemma: the factor on token embeddings, √hidden in float32 (transformers
    /// `hidden_size**0.5`, llama.cpp `sqrtf(n_embd)`); nil for the other families.
    public var embeddingScale: Float? {
        architecture.scalesEmbedding ? Float(Double(hiddenSize).squareRoot()) : nil
    }

    /// The window of `layer`'s attention, nil for full attention.
    public func slidingWindow(layer: Int) -> Int? {
        slidingWindowLayers.contains(layer) ? slidingWindow : nil
    }

    /// - Parameters:
    ///   - slidingWindowLayers: default: every layer, when there is a window.
    ///   - attentionScale: default 1/√headDim.
    public init(
        architecture: ModelArchitecture = ModelArchitecture(family: .llama), layerCount: Int, contextLength: Int,
        hiddenSize: Int, feedForwardSize: Int, headCount: Int, kvHeadCount: Int, headDim: Int? = nil,
        rmsEpsilon: Float = 1e-5, ropeBase: Double = 10000, ropeDimensionCount: Int? = nil,
        ropeScaling: RopeScaling = .none, slidingWindow: Int? = nil, slidingWindowLayers: Set<Int>? = nil,
        attentionScale: Float? = nil, attentionSoftCap: Float? = nil, finalLogitSoftCap: Float? = nil,
        vocabSize: Int, tiedEmbeddings: Bool = false
    ) {
        self.architecture = architecture
        self.layerCount = layerCount
        self.contextLength = contextLength
        self.hiddenSize = hiddenSize
        self.feedForwardSize = feedForwardSize
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim ?? hiddenSize / headCount
        self.rmsEpsilon = rmsEpsilon
        self.ropeBase = ropeBase
        self.ropeDimensionCount = ropeDimensionCount ?? self.headDim
        self.ropeScaling = ropeScaling
        self.slidingWindow = slidingWindow
        self.slidingWindowLayers = slidingWindow == nil ? [] : slidingWindowLayers ?? Set(0..<layerCount)
        self.attentionScale = attentionScale ?? 1 / Float(self.headDim).squareRoot()
        self.attentionSoftCap = attentionSoftCap
        self.finalLogitSoftCap = finalLogitSoftCap
        self.vocabSize = vocabSize
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Largest sizes accepted from a file. Each is far beyond any published Llama-family model
    /// and small enough that a product of two of them cannot overflow `Int`, so no size read from
    /// a file can reach an allocation unchecked (issue 16 item 1).
    public enum Limits {
        /// llama.cpp's `LLAMA_MAX_LAYERS` (src/llama-hparams.h).
        public static let layers = 512
        /// Embedding width, feed-forward width, heads and head size.
        public static let width = 1 << 20
        public static let context = 1 << 24
        public static let vocabulary = 1 << 22
    }
}
