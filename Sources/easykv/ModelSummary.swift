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

    func text() -> String {
        let types = tensorTypes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
        return """
            file:              \(path) (\(fileSize) bytes, GGUF v\(ggufVersion))
            name:              \(name ?? "-")
            architecture:      \(architecture)
            layers:            \(blockCount)
            embedding:         \(embeddingLength)
            feed-forward:      \(feedForwardLength)
            heads / KV heads:  \(headCount) / \(headCountKv) (head dim \(headDim))
            context length:    \(contextLength)
            rope:              base \(ropeFreqBase), scaling \(ropeScaling)
            rms epsilon:       \(rmsEpsilon)
            sliding window:    \(slidingWindow.map(String.init) ?? "none")
            output embedding:  \(tiedEmbeddings ? "tied to token_embd" : "output.weight")
            tokenizer:         \(tokenizerModel ?? "-") (pre: \(tokenizerPre ?? "-")), vocabulary \(vocabSize)
            chat template:     \(chatTemplate ? "yes" : "no")
            tensors:           \(tensorCount) (\(types))
            kernels:           \(kernels) (this CPU runs: \(availableKernels.joined(separator: ", ")))
            """
    }
}
