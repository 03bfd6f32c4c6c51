import Foundation
import GGUF
import Kernels
import LanguageModels

/// The facts `easykv inspect` prints.
struct ModelSummary: Encodable {
    var path: String
    var architecture: String
    var name: String?
    var ggufVersion: Int
    var blockCount: Int
    var embeddingLength: Int
    var feedForwardLength: Int
    var headCount: Int
    var headCountKv: Int
    var headDim: Int
    var contextLength: Int
    var ropeFreqBase: Double
    var ropeScaling: String
    var rmsEpsilon: Double
    var slidingWindow: Int?
    var slidingWindowLayers: [Int]
    /// The family's traits (`ModelArchitecture`).
    var ropeStyle: String
    var ropeDimensionCount: Int
    var activation: String
    var attentionBiases: Bool
    var fusedTensors: Bool
    var embeddingScale: Float?
    var postNorms: Bool
    var attentionScale: Float
    var attentionSoftCap: Float?
    var finalLogitSoftCap: Float?
    var tiedEmbeddings: Bool
    var vocabSize: Int
    var tokenizerModel: String?
    var tokenizerPre: String?
    var chatTemplate: Bool
    var tensorCount: Int
    var tensorTypes: [String: Int]
    var fileSize: Int
    /// The C kernel set this CPU runs (`KernelSet`), as llama.cpp prints its CPU features.
    var kernels: String
    var availableKernels: [String]

    enum CodingKeys: String, CodingKey {
        case path
        case architecture
        case name
        case ggufVersion = "gguf_version"
        case blockCount = "block_count"
        case embeddingLength = "embedding_length"
        case feedForwardLength = "feed_forward_length"
        case headCount = "head_count"
        case headCountKv = "head_count_kv"
        case headDim = "head_dim"
        case contextLength = "context_length"
        case ropeFreqBase = "rope_freq_base"
        case ropeScaling = "rope_scaling"
        case rmsEpsilon = "rms_epsilon"
        case slidingWindow = "sliding_window"
        case slidingWindowLayers = "sliding_window_layers"
        case ropeStyle = "rope_style"
        case ropeDimensionCount = "rope_dimension_count"
        case activation
        case attentionBiases = "attention_biases"
        case fusedTensors = "fused_tensors"
        case embeddingScale = "embedding_scale"
        case postNorms = "post_norms"
        case attentionScale = "attention_scale"
        case attentionSoftCap = "attention_soft_cap"
        case finalLogitSoftCap = "final_logit_soft_cap"
        case tiedEmbeddings = "tied_embeddings"
        case vocabSize = "vocab_size"
        case tokenizerModel = "tokenizer_model"
        case tokenizerPre = "tokenizer_pre"
        case chatTemplate = "chat_template"
        case tensorCount = "tensor_count"
        case tensorTypes = "tensor_types"
        case fileSize = "file_size"
        case kernels
        case availableKernels = "available_kernels"
    }

    init(file: GGUFFile, config: ModelConfiguration) {
        path = file.path
        architecture = config.architecture.name
        name = file[GGUFKeys.name]?.string
        ggufVersion = Int(file.version)
        blockCount = config.layerCount
        embeddingLength = config.hiddenSize
        feedForwardLength = config.feedForwardSize
        headCount = config.headCount
        headCountKv = config.kvHeadCount
        headDim = config.headDim
        contextLength = config.contextLength
        ropeFreqBase = config.ropeBase
        switch config.ropeScaling {
        case .none: ropeScaling = "none"
        case .linear(let f): ropeScaling = "linear x\(f)"
        case .dynamicNTK(let f, let n): ropeScaling = "dynamic-ntk x\(f) from \(n)"
        }
        rmsEpsilon = Double("\(config.rmsEpsilon)") ?? Double(config.rmsEpsilon)
        slidingWindow = config.slidingWindow
        slidingWindowLayers = config.slidingWindowLayers.sorted()
        let a = config.architecture
        ropeStyle = a.ropeStyle.rawValue
        ropeDimensionCount = config.ropeDimensionCount
        activation = a.activation.rawValue
        attentionBiases = a.attentionBiases
        fusedTensors = a.fusedTensors
        embeddingScale = config.embeddingScale
        postNorms = a.postNorms
        attentionScale = config.attentionScale
        attentionSoftCap = config.attentionSoftCap
        finalLogitSoftCap = config.finalLogitSoftCap
        tiedEmbeddings = config.tiedEmbeddings
        vocabSize = config.vocabSize
        tokenizerModel = file[GGUFKeys.tokenizerModel]?.string
        tokenizerPre = file[GGUFKeys.tokenizerPre]?.string
        chatTemplate = file[GGUFKeys.chatTemplate] != nil
        tensorCount = file.tensors.count
        tensorTypes = Dictionary(file.tensors.map { ($0.type.description, 1) }, uniquingKeysWith: +)
        fileSize = file.fileSize
        kernels = KernelSet.current.name
        availableKernels = KernelSet.available.map(\.name)
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The family's departures from Llama, in words ("-" for none).
    var familyTraits: String {
        var traits: [String] = []
        if ropeStyle != "normal" { traits.append("\(ropeStyle) rope") }
        if activation != "silu" { traits.append("\(activation) gate") }
        if attentionBiases { traits.append("Q/K/V biases") }
        if fusedTensors { traits.append("fused attn_qkv and gate|up tensors") }
        if let embeddingScale { traits.append("embedding × \(embeddingScale)") }
        if postNorms { traits.append("post-attention and post-feed-forward norms") }
        if let attentionSoftCap, let finalLogitSoftCap {
            traits.append("soft-caps \(attentionSoftCap) (attention), \(finalLogitSoftCap) (logits)")
        }
        return traits.isEmpty ? "-" : traits.joined(separator: ", ")
    }

    /// The window and where it applies.
    var windowText: String {
        guard let slidingWindow else { return "none" }
        if slidingWindowLayers.count == blockCount { return "\(slidingWindow) (every layer)" }
        let shown = slidingWindowLayers.prefix(8).map(String.init).joined(separator: ", ")
        return "\(slidingWindow) on layers \(shown)\(slidingWindowLayers.count > 8 ? ", …" : "")"
    }

    func text() -> String {
        let types = tensorTypes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
        let rotary = ropeDimensionCount == headDim ? "" : ", \(ropeDimensionCount) of \(headDim) dims"
        return """
            file:              \(path) (\(fileSize) bytes, GGUF v\(ggufVersion))
            name:              \(name ?? "-")
            architecture:      \(architecture)
            family traits:     \(familyTraits)
            layers:            \(blockCount)
            embedding:         \(embeddingLength)
            feed-forward:      \(feedForwardLength)
            heads / KV heads:  \(headCount) / \(headCountKv) (head dim \(headDim))
            context length:    \(contextLength)
            rope:              base \(ropeFreqBase), scaling \(ropeScaling)\(rotary)
            rms epsilon:       \(rmsEpsilon)
            sliding window:    \(windowText)
            output embedding:  \(tiedEmbeddings ? "tied to token_embd" : "output.weight")
            tokenizer:         \(tokenizerModel ?? "-") (pre: \(tokenizerPre ?? "-")), vocabulary \(vocabSize)
            chat template:     \(chatTemplate ? "yes" : "no")
            tensors:           \(tensorCount) (\(types))
            kernels:           \(kernels) (this CPU runs: \(availableKernels.joined(separator: ", ")))
            """
    }
}
