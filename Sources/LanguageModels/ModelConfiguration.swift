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

    /// Reads and validates the configuration of `file`: every hyperparameter is checked before
    /// anything is sized from it, and a bad one is an error naming the file and the key.
    public init(file: GGUFFile) throws(ModelError) {
        do {
            try self.init(validating: file)
        } catch let error as GGUFError {
            throw ModelError.file(error)
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.invalidConfiguration(path: file.path, "\(error)")
        }
    }

    private init(validating file: GGUFFile) throws {
        let arch = try file.string(GGUFKeys.architecture)
        guard Self.supportedArchitectures.contains(arch) else {
            throw ModelError.unsupportedArchitecture(path: file.path, architecture: arch)
        }
        func bad(_ key: String, _ value: Any, _ rule: String) -> ModelError {
            ModelError.invalidValue(path: file.path, key: key, value: "\(value)", rule: rule)
        }
        /// An integer key within `range` (`fallback` when absent and not required).
        func size(_ key: String, _ range: ClosedRange<Int>, fallback: Int? = nil) throws -> Int {
            let value: Int
            if let fallback { value = try file.optionalInt(key) ?? fallback } else { value = try file.int(key) }
            guard range.contains(value) else {
                throw bad(key, value, "must be in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        /// A real key that must be finite and positive (`fallback` when absent).
        func positive(_ key: String, fallback: Double?) throws -> Double {
            let value: Double
            if let fallback { value = try file.optionalDouble(key) ?? fallback } else { value = try file.double(key) }
            guard value.isFinite, value > 0 else { throw bad(key, value, "must be a finite number greater than 0") }
            return value
        }

        let embedding = try file.requireTensor("token_embd.weight")
        guard embedding.dimensions.count == 2 else {
            throw ModelError.badTensor(
                path: file.path, tensor: "token_embd.weight", "shape \(embedding.dimensions), expected [hidden, vocab]")
        }
        let hiddenKey = GGUFKeys.embeddingLength(arch)
        let hidden = try size(hiddenKey, 1...Limits.width)
        guard hidden == embedding.dimensions[0] else {
            throw bad(hiddenKey, hidden, "token_embd.weight has \(embedding.dimensions[0]) columns")
        }
        let headsKey = GGUFKeys.headCount(arch)
        let heads = try size(headsKey, 1...hidden)
        let kvHeadsKey = GGUFKeys.headCountKV(arch)
        let kvHeads = try size(kvHeadsKey, 1...heads, fallback: heads)
        guard heads % kvHeads == 0 else {
            throw bad(kvHeadsKey, kvHeads, "must divide \(headsKey) (\(heads))")
        }
        // The head size is `key_length`, else embedding_length / head_count; either way it must
        // be even (RoPE rotates pairs).
        let headDimKey = file[GGUFKeys.keyLength(arch)] == nil ? headsKey : GGUFKeys.keyLength(arch)
        let headDim = try file.optionalInt(GGUFKeys.keyLength(arch)) ?? hidden / heads
        guard (2...Limits.width).contains(headDim), headDim % 2 == 0 else {
            let value = headDimKey == headsKey ? heads : headDim
            throw bad(headDimKey, value, "gives a head size of \(headDim); it must be even and at least 2")
        }
        if let valueLength = try file.optionalInt(GGUFKeys.valueLength(arch)), valueLength != headDim {
            throw bad(GGUFKeys.valueLength(arch), valueLength, "must equal the key length \(headDim)")
        }
        // llama.cpp (llama-model.cpp, load_hparams) goes further for Llama and requires
        // n_rot == head size; a smaller even count is partial rotary, which `Rope` handles.
        let ropeKey = GGUFKeys.ropeDimensionCount(arch)
        let ropeDims = try file.optionalInt(ropeKey) ?? headDim
        guard ropeDims >= 2, ropeDims <= headDim, ropeDims % 2 == 0 else {
            throw bad(ropeKey, ropeDims, "must be even and in 2...\(headDim) (the head size)")
        }

        var scaling = RopeScaling.none
        let scalingTypeKey = GGUFKeys.ropeScalingType(arch)
        if let type = try file.optionalString(scalingTypeKey), type != "none" {
            guard ["linear", "dynamic", "ntk"].contains(type) else {
                throw bad(scalingTypeKey, "'\(type)'", "unsupported (supported: none, linear, dynamic)")
            }
            let factor = try positive(GGUFKeys.ropeScalingFactor(arch), fallback: nil)
            switch type {
            case "linear": scaling = .linear(factor: factor)
            default:
                let originalKey = GGUFKeys.ropeScalingOriginalContext(arch)
                let original = try size(
                    file[originalKey] == nil ? GGUFKeys.contextLength(arch) : originalKey, 1...Limits.context)
                // The NTK base has the exponent d / (d − 2) (`Rope.ntkBase`).
                guard ropeDims > 2 else { throw bad(ropeKey, ropeDims, "must be more than 2 for dynamic NTK scaling") }
                scaling = .dynamicNTK(factor: factor, originalContext: original)
            }
        }

        let rows = embedding.dimensions[1]
        if let tokens = file[GGUFKeys.tokens]?.array, tokens.count != rows {
            throw bad(GGUFKeys.tokens, "a list of \(tokens.count) tokens", "token_embd.weight has \(rows) rows")
        }
        let vocabKey = GGUFKeys.vocabSize(arch)
        let vocab = try size(vocabKey, 1...Limits.vocabulary, fallback: rows)
        guard vocab == rows else { throw bad(vocabKey, vocab, "token_embd.weight has \(rows) rows") }

        let epsilonKey = GGUFKeys.rmsEpsilon(arch)
        let epsilon = Float(try positive(epsilonKey, fallback: 1e-5))
        guard epsilon > 0, epsilon.isFinite else {
            throw bad(epsilonKey, epsilon, "is 0 or infinite as a 32-bit float")
        }
        let window = try file.optionalInt(GGUFKeys.slidingWindow(arch))
        self.init(
            architecture: arch,
            layerCount: try size(GGUFKeys.blockCount(arch), 1...Limits.layers),
            contextLength: try size(GGUFKeys.contextLength(arch), 1...Limits.context),
            hiddenSize: hidden,
            feedForwardSize: try size(GGUFKeys.feedForwardLength(arch), 1...Limits.width),
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim,
            rmsEpsilon: epsilon,
            ropeBase: try positive(GGUFKeys.ropeFreqBase(arch), fallback: 10000),
            ropeDimensionCount: ropeDims,
            ropeScaling: scaling,
            slidingWindow: (window ?? 0) > 0 ? window : nil,
            vocabSize: vocab,
            tiedEmbeddings: file.tensor(named: "output.weight") == nil)
    }
}
