import GGUF
import Kernels

/// The weights of a Llama-family model, left in their mapped GGUF blocks (issue 14: resident
/// memory is about the file's size); with `exact`, also dequantized to fp32 where that fits the
/// memory limit, so prefill is `sgemm` (DESIGN.md §3). Q/K/V are fused into one projection and
/// gate/up into another, so each layer does four products instead of seven.
public struct LlamaWeights: @unchecked Sendable {
    // @unchecked Sendable: every matrix is read-only after load.

    public struct Layer {
        /// Shape: [hidden].
        public var attentionNorm: [Float]
        /// Rows: Q (`qDim`), then K (`kvDim`), then V (`kvDim`); columns: hidden.
        public var qkv: Projection
        /// Shape: [hidden, qDim].
        public var attentionOutput: Projection
        /// Shape: [hidden].
        public var feedForwardNorm: [Float]
        /// Rows: gate (`ff`), then up (`ff`); columns: hidden.
        public var gateUp: Projection
        /// Shape: [hidden, ff].
        public var down: Projection
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

    /// Tensor names (llama.cpp `LLM_TENSOR_NAMES` for `LLM_ARCH_LLAMA`).
    enum Name {
        static let tokenEmbedding = "token_embd.weight"
        static let outputNorm = "output_norm.weight"
        static let output = "output.weight"
        static func block(_ i: Int, _ part: String) -> String { "blk.\(i).\(part).weight" }
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
        var layers: [Layer] = []
        for i in 0..<c.layerCount {
            let q = try tensor(Name.block(i, "attn_q"), [h, c.qDim])
            let k = try tensor(Name.block(i, "attn_k"), [h, c.kvDim])
            let v = try tensor(Name.block(i, "attn_v"), [h, c.kvDim])
            let o = try tensor(Name.block(i, "attn_output"), [c.qDim, h])
            let gate = try tensor(Name.block(i, "ffn_gate"), [h, c.feedForwardSize])
            let up = try tensor(Name.block(i, "ffn_up"), [h, c.feedForwardSize])
            let down = try tensor(Name.block(i, "ffn_down"), [c.feedForwardSize, h])
            layers.append(
                Layer(
                    attentionNorm: try vector(Name.block(i, "attn_norm"), h),
                    qkv: try Projection([q, k, v], file: file, columns: h, exact: exact, denseFits: fits),
                    attentionOutput: try Projection([o], file: file, columns: c.qDim, exact: exact, denseFits: fits),
                    feedForwardNorm: try vector(Name.block(i, "ffn_norm"), h),
                    gateUp: try Projection([gate, up], file: file, columns: h, exact: exact, denseFits: fits),
                    down: try Projection(
                        [down], file: file, columns: c.feedForwardSize, exact: exact, denseFits: fits)))
        }
        self.layers = layers
        outputNorm = try vector(Name.outputNorm, h)
        let outputInfo = c.tiedEmbeddings ? tokenEmbedding : try tensor(Name.output, [h, c.vocabSize])
        output = try Projection([outputInfo], file: file, columns: h, exact: exact, denseFits: fits)
        outputRowNorms = output.rowNorms()
        hasDenseCopies = output.dense != nil
    }
}
