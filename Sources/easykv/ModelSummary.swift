import Foundation
import GGUF
import LanguageModels

/// The facts `easykv inspect` prints.
struct ModelSummary: Encodable {
    var path: String
    var architecture: String
    var name: String?
    var gguf_version: Int
    var block_count: Int
    var embedding_length: Int
    var feed_forward_length: Int
    var head_count: Int
    var head_count_kv: Int
    var head_dim: Int
    var context_length: Int
    var rope_freq_base: Double
    var rope_scaling: String
    var rms_epsilon: Double
    var sliding_window: Int?
    var tied_embeddings: Bool
    var vocab_size: Int
    var tokenizer_model: String?
    var tokenizer_pre: String?
    var chat_template: Bool
    var tensor_count: Int
    var tensor_types: [String: Int]
    var file_size: Int

    init(file: GGUFFile, config: ModelConfiguration) {
        path = file.path
        architecture = config.architecture
        name = file[GGUFKeys.name]?.string
        gguf_version = Int(file.version)
        block_count = config.layerCount
        embedding_length = config.hiddenSize
        feed_forward_length = config.feedForwardSize
        head_count = config.headCount
        head_count_kv = config.kvHeadCount
        head_dim = config.headDim
        context_length = config.contextLength
        rope_freq_base = config.ropeBase
        switch config.ropeScaling {
        case .none: rope_scaling = "none"
        case .linear(let f): rope_scaling = "linear x\(f)"
        case .dynamicNTK(let f, let n): rope_scaling = "dynamic-ntk x\(f) from \(n)"
        }
        rms_epsilon = Double("\(config.rmsEpsilon)") ?? Double(config.rmsEpsilon)
        sliding_window = config.slidingWindow
        tied_embeddings = config.tiedEmbeddings
        vocab_size = config.vocabSize
        tokenizer_model = file[GGUFKeys.tokenizerModel]?.string
        tokenizer_pre = file[GGUFKeys.tokenizerPre]?.string
        chat_template = file[GGUFKeys.chatTemplate] != nil
        tensor_count = file.tensors.count
        tensor_types = Dictionary(file.tensors.map { ($0.type.description, 1) }, uniquingKeysWith: +)
        file_size = file.fileSize
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    func text() -> String {
        let types = tensor_types.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
        return """
            file:              \(path) (\(file_size) bytes, GGUF v\(gguf_version))
            name:              \(name ?? "-")
            architecture:      \(architecture)
            layers:            \(block_count)
            embedding:         \(embedding_length)
            feed-forward:      \(feed_forward_length)
            heads / KV heads:  \(head_count) / \(head_count_kv) (head dim \(head_dim))
            context length:    \(context_length)
            rope:              base \(rope_freq_base), scaling \(rope_scaling)
            rms epsilon:       \(rms_epsilon)
            sliding window:    \(sliding_window.map(String.init) ?? "none")
            output embedding:  \(tied_embeddings ? "tied to token_embd" : "output.weight")
            tokenizer:         \(tokenizer_model ?? "-") (pre: \(tokenizer_pre ?? "-")), vocabulary \(vocab_size)
            chat template:     \(chat_template ? "yes" : "no")
            tensors:           \(tensor_count) (\(types))
            """
    }
}
