import GGUF
import Kernels

/// The weights of a model of any supported family, left in their mapped GGUF blocks (issue 14:
/// resident memory is about the file's size); with `exact`, also dequantized to fp32 where that
/// fits the memory limit, so prefill is `sgemm` (DESIGN.md §3). Q/K/V are fused into one
/// projection and gate/up into another, so each layer does four products instead of seven;
/// Phi-3 stores them fused already. What a family adds (Qwen2's biases, Gemma 2's post-norms) is
/// optional here and read where `ModelArchitecture` says the family has it.
public struct ModelWeights: @unchecked Sendable {
    // @unchecked Sendable: every matrix is read-only after load.

    public struct Layer {
        /// Shape: [hidden].
        public var attentionNorm: [Float]
        /// Rows: Q (`qDim`), then K (`kvDim`), then V (`kvDim`); columns: hidden.
        public var qkv: Projection
        /// Qwen2: the Q, K and V biases in the same order. Shape: [qDim + 2·kvDim].
        public var qkvBias: [Float]?
        /// Shape: [hidden, qDim].
        public var attentionOutput: Projection
        /// Gemma 2: RMSNorm of the attention output before the residual add. Shape: [hidden].
        public var postAttentionNorm: [Float]?
        /// Shape: [hidden].
        public var feedForwardNorm: [Float]
        /// Rows: gate (`ff`), then up (`ff`); columns: hidden.
        public var gateUp: Projection
        /// Shape: [hidden, ff].
        public var down: Projection
        /// Gemma 2: RMSNorm of the feed-forward output before the residual add. Shape: [hidden].
        public var postFeedForwardNorm: [Float]?
    }

    public var layers: [Layer]
    /// The token embedding, left in its GGUF encoding; rows are dequantized on lookup.
    public var tokenEmbedding: GGUFTensorInfo
    /// Shape: [hidden].
    public var outputNorm: [Float]
    /// Shape: [vocab, hidden]. The token embedding when the model ties them.
    public var output: Projection

    /// ‖row‖₂ of the output projection, for exact greedy choices after quantized logits.
    public let outputRowNorms: [Float]

    /// Whether decode can use integer dot products on every projection.
    public var supportsQuantizedDecode: Bool {
        output.supportsQuantized
            && layers.allSatisfy {
                $0.qkv.supportsQuantized && $0.attentionOutput.supportsQuantized && $0.gateUp.supportsQuantized
                    && $0.down.supportsQuantized
            }
    }

    /// Tensor names (llama.cpp `LLM_TENSOR_NAMES`; gguf-py `MODEL_TENSORS`).
    enum Name {
        static let tokenEmbedding = "token_embd.weight"
        static let outputNorm = "output_norm.weight"
        static let output = "output.weight"
        static func block(_ i: Int, _ part: String) -> String { "blk.\(i).\(part).weight" }
        static func bias(_ i: Int, _ part: String) -> String { "blk.\(i).\(part).bias" }
    }

    /// Bytes of fp32 weight copies held in memory (0 unless loaded `exact`).
    public var bytes: Int {
        let projections = layers.flatMap { [$0.qkv, $0.attentionOutput, $0.gateUp, $0.down] } + [output]
        return projections.reduce(0) { $0 + ($1.dense?.bytes ?? 0) }
    }

    /// Whether prefill multiplies fp32 copies (`exact` loads whose copies fit the limit).
    public let hasDenseCopies: Bool

    /// fp32 bytes of every projection of a model with configuration `c`.
    static func denseBytes(_ c: ModelConfiguration) -> Int {
        let perLayer =
            (c.qDim + 2 * c.kvDim) * c.hiddenSize + c.hiddenSize * c.qDim + 3 * c.feedForwardSize * c.hiddenSize
        return (c.layerCount * perLayer + c.vocabSize * c.hiddenSize) * MemoryLayout<Float>.size
    }

    /// - Parameters:
    ///   - exact: prefill in fp32 (`LoadOptions.exact`).
    ///   - denseLimit: the most bytes of fp32 copies to keep; beyond it fp32 prefill dequantizes
    ///     tiles on the fly.
    init(file: GGUFFile, configuration c: ModelConfiguration, exact: Bool, denseLimit: Int) throws(ModelError) {
        let fits = Self.denseBytes(c) <= denseLimit
        func tensor(_ name: String, _ dims: [Int]) throws(ModelError) -> GGUFTensorInfo {
            guard let info = file.tensor(named: name) else {
                throw ModelError.file(file.error(.missingTensor(name)))
            }
            guard info.dimensions == dims else {
                throw ModelError.badTensor(path: file.path, tensor: name, "shape \(info.dimensions), expected \(dims)")
            }
            return info
        }
        func vector(_ name: String, _ length: Int) throws(ModelError) -> [Float] {
            let info = try tensor(name, [length])
            var out = [Float](repeating: 0, count: length)
            do {
                try out.withUnsafeMutableBufferPointer { (buffer) throws(KernelError) in
                    try WeightFormats.dequantize(
                        info.type, from: file.data(for: info).baseAddress!, count: length, into: buffer.baseAddress!)
                }
            } catch {
                throw ModelError.badTensor(path: file.path, tensor: name, "\(error)")
            }
            return out
        }

        let h = c.hiddenSize
        tokenEmbedding = try tensor(Name.tokenEmbedding, [h, c.vocabSize])
        guard WeightFormats.isSupported(tokenEmbedding.type) else {
            throw ModelError.unsupportedTensorType(
                path: file.path, tensor: Name.tokenEmbedding, type: tokenEmbedding.type.description)
        }
        let a = c.architecture
        let ff = c.feedForwardSize
        func projection(_ infos: [GGUFTensorInfo], columns: Int) throws(ModelError) -> Projection {
            try Projection(infos, file: file, columns: columns, exact: exact, denseFits: fits)
        }
        var layers: [Layer] = []
        for i in 0..<c.layerCount {
            let qkv: [GGUFTensorInfo]
            let gateUp: [GGUFTensorInfo]
            if a.fusedTensors {
                // Phi-3: rows Q | K | V in `attn_qkv`, gate | up in `ffn_up` (our fused layout).
                qkv = [try tensor(Name.block(i, "attn_qkv"), [h, c.qDim + 2 * c.kvDim])]
                gateUp = [try tensor(Name.block(i, "ffn_up"), [h, 2 * ff])]
            } else {
                qkv = [
                    try tensor(Name.block(i, "attn_q"), [h, c.qDim]),
                    try tensor(Name.block(i, "attn_k"), [h, c.kvDim]),
                    try tensor(Name.block(i, "attn_v"), [h, c.kvDim]),
                ]
                gateUp = [
                    try tensor(Name.block(i, "ffn_gate"), [h, ff]), try tensor(Name.block(i, "ffn_up"), [h, ff]),
                ]
            }
            var bias: [Float]?
            if a.attentionBiases {
                // Required: a missing one read as zero would move every logit (Fixtures/README.md).
                bias =
                    try vector(Name.bias(i, "attn_q"), c.qDim) + vector(Name.bias(i, "attn_k"), c.kvDim)
                    + vector(Name.bias(i, "attn_v"), c.kvDim)
            }
            layers.append(
                Layer(
                    attentionNorm: try vector(Name.block(i, "attn_norm"), h),
                    qkv: try projection(qkv, columns: h),
                    qkvBias: bias,
                    attentionOutput: try projection(
                        [try tensor(Name.block(i, "attn_output"), [c.qDim, h])], columns: c.qDim),
                    postAttentionNorm: a.postNorms ? try vector(Name.block(i, "post_attention_norm"), h) : nil,
                    feedForwardNorm: try vector(Name.block(i, "ffn_norm"), h),
                    gateUp: try projection(gateUp, columns: h),
                    down: try projection([try tensor(Name.block(i, "ffn_down"), [ff, h])], columns: ff),
                    postFeedForwardNorm: a.postNorms ? try vector(Name.block(i, "post_ffw_norm"), h) : nil))
        }
        self.layers = layers
        outputNorm = try vector(Name.outputNorm, h)
        // Gemma ties even when an `output.weight` is present (llama.cpp never reads it there).
        let outputInfo = c.tiedEmbeddings ? tokenEmbedding : try tensor(Name.output, [h, c.vocabSize])
        output = try projection([outputInfo], columns: h)
        outputRowNorms = output.rowNorms()
        hasDenseCopies = output.dense != nil
    }
}
