import GGUF

extension ModelConfiguration {
    /// Reads and validates the configuration of `file`: every hyperparameter is checked before
    /// anything is sized from it, and a bad one is an error naming the file and the key. Keys a
    /// family's converter does not write take llama.cpp's defaults (Fixtures/README.md lists
    /// them per family).
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
        guard let architecture = ModelArchitecture(name: arch) else {
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
        let layers = try size(GGUFKeys.blockCount(arch), 1...Limits.layers)
        let headsKey = GGUFKeys.headCount(arch)
        let heads = try size(headsKey, 1...hidden)
        let kvHeadsKey = GGUFKeys.headCountKV(arch)
        let kvHeads = try size(kvHeadsKey, 1...heads, fallback: heads)
        guard heads % kvHeads == 0 else {
            throw bad(kvHeadsKey, kvHeads, "must divide \(headsKey) (\(heads))")
        }
        // The head size is `key_length` (Gemma writes it), else embedding_length / head_count;
        // either way it must be even (RoPE rotates pairs).
        let headDimKey = file[GGUFKeys.keyLength(arch)] == nil ? headsKey : GGUFKeys.keyLength(arch)
        let headDim = try file.optionalInt(GGUFKeys.keyLength(arch)) ?? hidden / heads
        guard (2...Limits.width).contains(headDim), headDim % 2 == 0 else {
            let value = headDimKey == headsKey ? heads : headDim
            throw bad(headDimKey, value, "gives a head size of \(headDim); it must be even and at least 2")
        }
        // Values are read with the key's head size: a `value_length` that differs is refused
        // (with or without `key_length`), before any tensor is sized by it.
        if let valueLength = try file.optionalInt(GGUFKeys.valueLength(arch)), valueLength != headDim {
            throw bad(GGUFKeys.valueLength(arch), valueLength, "must equal the head size \(headDim)")
        }
        // llama.cpp (llama-model.cpp, load_hparams) goes further for Llama and requires
        // n_rot == head size; a smaller even count is partial rotary (Phi-3), which `Rope` handles.
        let ropeKey = GGUFKeys.ropeDimensionCount(arch)
        let ropeDims = try file.optionalInt(ropeKey) ?? headDim
        guard ropeDims >= 2, ropeDims <= headDim, ropeDims % 2 == 0 else {
            throw bad(ropeKey, ropeDims, "must be even and in 2...\(headDim) (the head size)")
        }
        // Gemma's files never carry a base: llama.cpp's `rope_freq_base_train` default, 10000.
        let ropeBase = try positive(GGUFKeys.ropeFreqBase(arch), fallback: 10000)
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
        // LongRoPE (Phi-3 128k, Phi-3.5) rescales each frequency; without it every position
        // past the first would rotate wrongly, so refuse rather than run.
        for name in ["rope_factors_long.weight", "rope_factors_short.weight"] where file.tensor(named: name) != nil {
            throw ModelError.badTensor(
                path: file.path, tensor: name, "LongRoPE frequency factors are not supported by this build")
        }

        let rows = embedding.dimensions[1]
        if let tokens = file[GGUFKeys.tokens]?.array, tokens.count != rows {
            throw bad(GGUFKeys.tokens, "a list of \(tokens.count) tokens", "token_embd.weight has \(rows) rows")
        }
        // Only Llama's converter writes `vocab_size`; the others give the embedding's rows.
        let vocabKey = GGUFKeys.vocabSize(arch)
        let vocab = try size(vocabKey, 1...Limits.vocabulary, fallback: rows)
        guard vocab == rows else { throw bad(vocabKey, vocab, "token_embd.weight has \(rows) rows") }

        let epsilonKey = GGUFKeys.rmsEpsilon(arch)
        let epsilon = Float(try positive(epsilonKey, fallback: 1e-5))
        guard epsilon > 0, epsilon.isFinite else {
            throw bad(epsilonKey, epsilon, "is 0 or infinite as a 32-bit float")
        }

        var window: Int?
        var windowLayers: Set<Int>?
        switch architecture.window {
        case .ignored: break
        case .everyLayer:
            let stored = try file.optionalInt(GGUFKeys.slidingWindow(arch)) ?? 0
            window = stored > 0 ? stored : nil
        case .periodic(let defaultWindow, let defaultPeriod):
            window = try size(GGUFKeys.slidingWindow(arch), 1...Limits.context, fallback: defaultWindow)
            let period = try size(GGUFKeys.slidingWindowPattern(arch), 0...Limits.layers, fallback: defaultPeriod)
            // llama.cpp `set_swa_pattern`: period 0 puts the window on every layer.
            windowLayers = Set((0..<layers).filter { period == 0 || $0 % period < period - 1 })
            let baseKey = GGUFKeys.ropeFreqBaseSWA(arch)
            if let swaBase = try file.optionalDouble(baseKey), swaBase != ropeBase {
                throw bad(baseKey, swaBase, "differs from the rope base \(ropeBase); one base per model is supported")
            }
        }

        var attentionCap: Double?
        var finalCap: Double?
        if let caps = architecture.softCaps {
            attentionCap = try positive(GGUFKeys.attentionLogitSoftcapping(arch), fallback: caps.attention)
            finalCap = try positive(GGUFKeys.finalLogitSoftcapping(arch), fallback: caps.finalLogits)
        }
        var scaleDim = headDim
        if architecture.attentionScale == .gemma2 && layers == 46 { scaleDim = hidden / heads }

        self.init(
            architecture: architecture,
            layerCount: layers,
            contextLength: try size(GGUFKeys.contextLength(arch), 1...Limits.context),
            hiddenSize: hidden,
            feedForwardSize: try size(GGUFKeys.feedForwardLength(arch), 1...Limits.width),
            headCount: heads, kvHeadCount: kvHeads, headDim: headDim,
            rmsEpsilon: epsilon,
            ropeBase: ropeBase,
            ropeDimensionCount: ropeDims,
            ropeScaling: scaling,
            slidingWindow: window,
            slidingWindowLayers: windowLayers,
            attentionScale: 1 / Float(scaleDim).squareRoot(),
            attentionSoftCap: attentionCap.map { Float($0) },
            finalLogitSoftCap: finalCap.map { Float($0) },
            vocabSize: vocab,
            tiedEmbeddings: architecture.alwaysTiesOutput || file.tensor(named: "output.weight") == nil)
    }
}
