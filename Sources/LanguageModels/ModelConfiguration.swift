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

/// Hyperparameters of a Llama-family model, read from GGUF metadata.
public struct ModelConfiguration: Sendable, Equatable {
    /// Architectures this forward pass runs. Mistral GGUFs written by llama.cpp say `llama`.
    public static let supportedArchitectures: Set<String> = ["llama", "mistral"]

    public var architecture: String
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
    /// Mistral's sliding attention window in tokens; nil for full attention.
    public var slidingWindow: Int?
    public var vocabSize: Int
    /// True when the file has no `output.weight` and the token embedding doubles as the output.
    public var tiedEmbeddings: Bool

    /// Query heads per KV head (1 for MHA, `headCount` for MQA).
    public var groupSize: Int { headCount / kvHeadCount }
    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }

    public init(
        architecture: String = "llama", layerCount: Int, contextLength: Int, hiddenSize: Int,
        feedForwardSize: Int, headCount: Int, kvHeadCount: Int, headDim: Int? = nil,
        rmsEpsilon: Float = 1e-5, ropeBase: Double = 10000, ropeDimensionCount: Int? = nil,
        ropeScaling: RopeScaling = .none, slidingWindow: Int? = nil, vocabSize: Int,
        tiedEmbeddings: Bool = false
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
        self.vocabSize = vocabSize
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Reads and validates the configuration of `file`.
    public init(file: GGUFFile) throws(ModelError) {
        do {
            let arch = try file.string(GGUFKeys.architecture)
            guard Self.supportedArchitectures.contains(arch) else {
                throw ModelError.unsupportedArchitecture(path: file.path, architecture: arch)
            }
            let hidden = try file.int(GGUFKeys.embeddingLength(arch))
            let heads = try file.int(GGUFKeys.headCount(arch))
            let kvHeads = try file.optionalInt(GGUFKeys.headCountKV(arch)) ?? heads
            guard hidden > 0, heads > 0, kvHeads > 0, heads % kvHeads == 0 else {
                throw ModelError.invalidConfiguration(
                    path: file.path, "head_count \(heads) must be a positive multiple of head_count_kv \(kvHeads)")
            }
            let headDim = try file.optionalInt(GGUFKeys.keyLength(arch)) ?? hidden / heads
            var scaling = RopeScaling.none
            if let type = try file.optionalString(GGUFKeys.ropeScalingType(arch)), type != "none" {
                let factor = try file.double(GGUFKeys.ropeScalingFactor(arch))
                switch type {
                case "linear": scaling = .linear(factor: factor)
                case "dynamic", "ntk":
                    let original =
                        try file.optionalInt(GGUFKeys.ropeScalingOriginalContext(arch))
                        ?? file.int(GGUFKeys.contextLength(arch))
                    scaling = .dynamicNTK(factor: factor, originalContext: original)
                default:
                    throw ModelError.invalidConfiguration(path: file.path, "unsupported rope scaling type '\(type)'")
                }
            }
            let embedding = try file.requireTensor("token_embd.weight")
            let vocab =
                try file.optionalInt(GGUFKeys.vocabSize(arch))
                ?? (file[GGUFKeys.tokens]?.array?.count ?? embedding.rowCount)
            let window = try file.optionalInt(GGUFKeys.slidingWindow(arch))
            self.init(
                architecture: arch,
                layerCount: try file.int(GGUFKeys.blockCount(arch)),
                contextLength: try file.int(GGUFKeys.contextLength(arch)),
                hiddenSize: hidden,
                feedForwardSize: try file.int(GGUFKeys.feedForwardLength(arch)),
                headCount: heads, kvHeadCount: kvHeads, headDim: headDim,
                rmsEpsilon: Float(try file.optionalDouble(GGUFKeys.rmsEpsilon(arch)) ?? 1e-5),
                ropeBase: try file.optionalDouble(GGUFKeys.ropeFreqBase(arch)) ?? 10000,
                ropeDimensionCount: try file.optionalInt(GGUFKeys.ropeDimensionCount(arch)) ?? headDim,
                ropeScaling: scaling,
                slidingWindow: (window ?? 0) > 0 ? window : nil,
                vocabSize: vocab,
                tiedEmbeddings: file.tensor(named: "output.weight") == nil)
            guard layerCount > 0, feedForwardSize > 0, headDim > 0, headDim % 2 == 0, vocabSize > 0 else {
                throw ModelError.invalidConfiguration(path: file.path, "non-positive or odd size in \(self)")
            }
        } catch let error as GGUFError {
            throw ModelError.file(error)
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.invalidConfiguration(path: file.path, "\(error)")
        }
    }
}
