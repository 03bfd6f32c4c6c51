import Dispatch
import KVCaches

/// Why generation stopped.
public enum StopReason: String, Sendable, Codable {
    /// An end-of-sequence or end-of-turn token was sampled.
    case eos
    /// A stop string appeared in the text.
    case stopString = "stop_string"
    /// `maxNewTokens` were generated.
    case maxTokens = "max_tokens"
}

/// What to generate after the prompt.
public struct GenerationSettings: Sendable {
    public var maxNewTokens: Int
    public var sampling: SamplingSettings
    /// Tokens that end generation (EOS, end of turn). The stop token counts toward the limit
    /// and is not forwarded (EASYKV-SPEC §8).
    public var stopTokenIDs: Set<Int>
    /// Generate `maxNewTokens` whatever is sampled (benchmarks).
    public var ignoreStopTokens: Bool

    public init(
        maxNewTokens: Int = 256, sampling: SamplingSettings = .greedy, stopTokenIDs: Set<Int> = [],
        ignoreStopTokens: Bool = false
    ) {
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.stopTokenIDs = stopTokenIDs
        self.ignoreStopTokens = ignoreStopTokens
    }
}

/// KV numbers of one sequence, as EasyKV prints them (`kept/total`) and more.
public struct KVReport: Sendable, Codable, Equatable {
    public var mode: String
    public var policy: String
    public var budget: String
    public var stride: Int
    public var promptTokens: Int
    /// Entries per (layer, head) right after the prompt (EasyKV's `kept` in `kept/total`).
    public var keptTokens: Int
    /// Largest entries per (layer, head) at any moment.
    public var peakSlots: Int
    /// Peak fp32 key+value bytes over all layers and heads.
    public var kvBytes: Int
    /// Bytes allocated for the whole plan (keys, values, positions, statistics).
    public var allocatedBytes: Int
    public var evictions: Int

    enum CodingKeys: String, CodingKey {
        case mode, policy, budget, stride, evictions
        case promptTokens = "prompt_tokens"
        case keptTokens = "kept_tokens"
        case peakSlots = "peak_slots"
        case kvBytes = "kv_bytes"
        case allocatedBytes = "allocated_bytes"
    }
}

/// One sequence's generation as a state machine, so a batch runner can interleave many:
/// `nextStep()` gives the tokens to forward, `consume(_:)` takes the logits back, evicts under the
/// budget and samples. A single sequence is a batch of one.
public final class GenerationSequence: @unchecked Sendable {
    // @unchecked Sendable: driven by one task at a time (the runner that owns the model).

    public let prompt: [Int]
    public let settings: GenerationSettings
    public let kvSettings: KVSettings
    public let controller: BudgetController
    public let cache: KVCache
    public private(set) var generated: [Int] = []
    public private(set) var stopReason: StopReason?
    /// Called with each generated token; return true to stop (stop strings, streaming output).
    public var onToken: ((Int) -> Bool)?
    /// Entries per (layer, head) right after the prompt.
    public private(set) var keptAfterPrompt = 0
    /// Set to record, right after the prompt, the positions each (layer, KV head) keeps.
    public var recordsKeptPositions = false
    /// `[layer][head]` → prompt positions kept after prefill, when `recordsKeptPositions`.
    public private(set) var keptPositions: [[[Int]]]?
    /// Wall time of the forward steps this sequence took part in (shared steps count fully).
    public internal(set) var prefillSeconds = 0.0
    public internal(set) var decodeSeconds = 0.0

    private var sampler: Sampler
    private var nextForward = 0
    private let promptSteps: [Range<Int>]
    private var pending: Int?
    private var inFlight: SequenceStep?

    public init(model: LlamaModel, prompt: [Int], kv: KVSettings, generation: GenerationSettings) throws(ModelError) {
        guard !prompt.isEmpty else { throw ModelError.invalidArgument("empty prompt") }
        guard generation.maxNewTokens >= 1 else {
            throw ModelError.invalidArgument("max new tokens must be at least 1")
        }
        self.prompt = prompt
        settings = generation
        kvSettings = kv
        do {
            controller = try BudgetController(
                settings: kv, promptLength: prompt.count, maxNewTokens: generation.maxNewTokens)
        } catch {
            throw ModelError.invalidArgument(error.description)
        }
        cache = model.makeCache(capacity: controller.capacity, streamingPositions: kv.streamingPositions)
        controller.prepare(cache)
        promptSteps = controller.promptSteps
        sampler = Sampler(generation.sampling)
    }

    public var isFinished: Bool { stopReason != nil }

    /// Whether the next step is (or the step in flight was) part of the prompt.
    public var isInPrompt: Bool { nextForward < promptSteps.count }

    /// The next forward this sequence needs, or nil when it is finished.
    public func nextStep() -> SequenceStep? {
        guard stopReason == nil else { return nil }
        let step: SequenceStep
        if nextForward < promptSteps.count {
            let range = promptSteps[nextForward]
            let last = nextForward == promptSteps.count - 1
            step = SequenceStep(
                cache: cache, tokens: Array(prompt[range]), positions: Array(range), logits: last ? .last : .none,
                collectStatistics: controller.collectsStatistics(tokens: range.count, cacheCountBefore: cache.counts[0])
            )
        } else if let token = pending {
            step = SequenceStep(
                cache: cache, tokens: [token], positions: [prompt.count + generated.count - 1], logits: .last,
                collectStatistics: controller.decodeCollectsStatistics)
        } else {
            return nil
        }
        inFlight = step
        return step
    }

    /// Takes the logits of the step `nextStep()` returned.
    public func consume(_ logits: [Float]) {
        guard inFlight != nil else { return }
        inFlight = nil
        if nextForward < promptSteps.count {
            controller.didForwardPrompt(cache: cache)
            nextForward += 1
            guard nextForward == promptSteps.count else { return }
            keptAfterPrompt = cache.counts[0]
            if recordsKeptPositions {
                keptPositions = (0..<cache.layerCount).map { l in
                    (0..<cache.kvHeadCount).map { h in cache.keptPositions(layer: l, head: h) }
                }
            }
        } else {
            controller.didForwardDecode(cache: cache)
        }
        let token = sampler.sample(logits)
        generated.append(token)
        pending = token
        let callerStops = onToken?(token) == true
        if !settings.ignoreStopTokens && settings.stopTokenIDs.contains(token) {
            stopReason = .eos
        } else if callerStops {
            stopReason = .stopString
        } else if generated.count >= settings.maxNewTokens {
            stopReason = .maxTokens
        }
    }

    /// Ends the sequence early (a stop string found by the caller).
    public func finish(_ reason: StopReason) { stopReason = reason }

    public var kvReport: KVReport {
        KVReport(
            mode: kvSettings.mode.rawValue, policy: kvSettings.policy.rawValue, budget: kvSettings.budget.description,
            stride: kvSettings.stride, promptTokens: prompt.count, keptTokens: keptAfterPrompt,
            peakSlots: cache.peakCount, kvBytes: cache.peakBytes, allocatedBytes: cache.bytesAllocated,
            evictions: controller.evictions)
    }
}

extension LlamaModel {
    /// Runs sequences to completion in batches of at most `batchSize`: every step stacks the
    /// active sequences' tokens into one forward (continuous batching: a finished sequence
    /// leaves and the next waiting one joins).
    public func run(_ sequences: [GenerationSequence], batchSize: Int = 1) throws(ModelError) {
        var waiting = sequences[...]
        var active: [GenerationSequence] = []
        while true {
            active.removeAll { $0.isFinished }
            while active.count < max(1, batchSize), let next = waiting.popFirst() { active.append(next) }
            if active.isEmpty { return }
            var steps: [SequenceStep] = []
            var owners: [GenerationSequence] = []
            for sequence in active {
                if let step = sequence.nextStep() {
                    steps.append(step)
                    owners.append(sequence)
                }
            }
            if steps.isEmpty { return }
            let start = DispatchTime.now().uptimeNanoseconds
            let logits = try forward(steps)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            for (sequence, l) in zip(owners, logits) {
                if sequence.isInPrompt { sequence.prefillSeconds += seconds } else { sequence.decodeSeconds += seconds }
                sequence.consume(l)
            }
        }
    }
}
