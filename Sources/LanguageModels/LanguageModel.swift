import KVCaches

/// What logits a forward step should return for one sequence.
public enum LogitsRequest: Sendable {
    case none
    /// The last token's logits (`vocab` floats): generation.
    case last
    /// Every token's logits (`tokens × vocab` floats): perplexity.
    case all
}

/// One sequence's part of a batched forward step: its new tokens, their absolute positions, and
/// the cache they are appended to.
public struct SequenceStep {
    public var cache: KVCache
    public var tokens: [Int]
    public var positions: [Int]
    public var logits: LogitsRequest
    /// Whether the attention kernel should leave eviction statistics in `cache.stepStatistics`.
    public var collectStatistics: Bool

    public init(
        cache: KVCache, tokens: [Int], positions: [Int], logits: LogitsRequest = .last, collectStatistics: Bool = false
    ) {
        self.cache = cache
        self.tokens = tokens
        self.positions = positions
        self.logits = logits
        self.collectStatistics = collectStatistics
    }
}

/// The forward pass as the rest of the program sees it: caches of the model's shape, and one
/// batched step. `LlamaModel` is the real one; the seam lets schedulers, pipelines and
/// evaluations be tested on tiny or hand-built models.
public protocol LanguageModel: AnyObject, Sendable {
    var configuration: ModelConfiguration { get }

    /// A cache for one sequence with room for `capacity` entries per (layer, KV head), storing
    /// keys and values in the given formats (checked against the model by `makeCache(for:)`).
    func makeCache(capacity: Int, streamingPositions: Bool, keyFormat: KVFormat, valueFormat: KVFormat) -> KVCache

    /// Runs one forward step for a batch of sequences and returns, per sequence, the logits it
    /// asked for (empty, `vocab`, or `tokens × vocab` floats).
    ///
    /// Contract the schedulers rely on: a sequence's logits depend only on its own tokens and
    /// cache, never on the other sequences of the step, provided the step holds either one prompt
    /// chunk or decode tokens only.
    func forward(_ steps: [SequenceStep]) throws(ModelError) -> [[Float]]
}

extension LanguageModel {
    public func makeCache(capacity: Int) -> KVCache { makeCache(capacity: capacity, streamingPositions: false) }

    /// An fp32 cache shaped for this model.
    public func makeCache(capacity: Int, streamingPositions: Bool) -> KVCache {
        makeCache(capacity: capacity, streamingPositions: streamingPositions, keyFormat: .f32, valueFormat: .f32)
    }

    /// A cache shaped for this model.
    public func makeCache(
        capacity: Int, streamingPositions: Bool, keyFormat: KVFormat, valueFormat: KVFormat
    ) -> KVCache {
        let c = configuration
        return KVCache(
            layerCount: c.layerCount, kvHeadCount: c.kvHeadCount, headDim: c.headDim, capacity: capacity,
            streamingPositions: streamingPositions, keyFormat: keyFormat, valueFormat: valueFormat)
    }

    /// The cache `plan` lays out, in its settings' storage formats; an error naming the flag when
    /// this model's head dimension cannot hold them (quantized rows are blocks of 32 along it).
    public func makeCache(for plan: KVPlan) throws(ModelError) -> KVCache {
        let kv = plan.settings
        do { try kv.validate(headDim: configuration.headDim) } catch { throw ModelError.kvPlan(error) }
        return makeCache(
            capacity: plan.capacity, streamingPositions: kv.streamingPositions, keyFormat: kv.keyFormat,
            valueFormat: kv.valueFormat)
    }

    /// Checks a step before it runs: token ids in the vocabulary, one position per token, room in the cache.
    func validate(_ steps: [SequenceStep]) throws(ModelError) {
        let c = configuration
        for (i, step) in steps.enumerated() {
            guard !step.tokens.isEmpty, step.tokens.count == step.positions.count else {
                throw ModelError.invalidArgument(
                    "sequence \(i): \(step.tokens.count) tokens but \(step.positions.count) positions")
            }
            if let bad = step.tokens.first(where: { $0 < 0 || $0 >= c.vocabSize }) {
                throw ModelError.invalidArgument("token id \(bad) is outside the vocabulary (0..<\(c.vocabSize))")
            }
            let free = step.cache.capacity - step.cache.counts[0]
            guard step.tokens.count <= free else {
                throw ModelError.contextOverflow(
                    "KV cache full: \(step.tokens.count) new tokens, room for \(free) of \(step.cache.capacity)")
            }
        }
    }
}
