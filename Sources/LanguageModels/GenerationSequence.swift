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

/// What one sequence's cache held, beside the settings that ran (`KVPlan.effective`).
public struct KVUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    /// Entries per (layer, head) right after the prompt (EasyKV's `kept` in `kept/total`).
    public var keptTokens: Int
    /// Largest entries per (layer, head) at any moment.
    public var peakSlots: Int
    /// Peak key+value bytes over all layers and heads.
    public var kvBytes: Int
    /// Bytes allocated for the whole plan (keys, values, positions, statistics).
    public var allocatedBytes: Int
    public var evictions: Int

    enum CodingKeys: String, CodingKey {
        case evictions
        case promptTokens = "prompt_tokens"
        case keptTokens = "kept_tokens"
        case peakSlots = "peak_slots"
        case kvBytes = "kv_bytes"
        case allocatedBytes = "allocated_bytes"
    }
}

/// One sequence's generation as a state machine, so a `Scheduler` can interleave many:
/// `nextStep()` gives the tokens to forward, `consume(_:)` takes the logits back, evicts under the
/// budget and samples. A single sequence is a batch of one.
public final class GenerationSequence: @unchecked Sendable {
    // @unchecked Sendable: driven by one task at a time (the scheduler that owns the model).

    public let prompt: [Int]
    public let settings: GenerationSettings
    public let controller: BudgetController
    public let cache: KVCache
    public private(set) var generated: [Int] = []
    public private(set) var stopReason: StopReason?
    /// Why the sequence ended without finishing (a failed forward, non-finite logits).
    public private(set) var failure: ModelError?
    /// Called with each generated token; return true to stop (stop strings, streaming output).
    public var onToken: ((Int) -> Bool)?
    /// Entries per (layer, head) right after the prompt.
    public private(set) var keptAfterPrompt = 0
    /// Set to record, right after the prompt, the positions each (layer, KV head) keeps.
    public var recordsKeptPositions = false
    /// `[layer][head]` → prompt positions kept after prefill, when `recordsKeptPositions`.
    public private(set) var keptPositions: [[[Int]]]?
    /// Model seconds attributed to this sequence: its prompt strides fully, a decode step shared
    /// by k sequences 1/k each (so they add up to the run's model time).
    public internal(set) var prefillSeconds = 0.0
    public internal(set) var decodeSeconds = 0.0

    private var sampler: Sampler
    private var nextForward = 0
    private let promptSteps: [Range<Int>]
    private var pending: Int?
    private var inFlight: SequenceStep?
    /// The model's file name, for messages.
    private let modelName: String

    /// Plans the cache for `prompt` under `kv` (`KVSettings.plan`, bounded by the model's
    /// context) and allocates it; throws, before allocating, when the plan cannot run.
    public init(
        model: any LanguageModel, prompt: [Int], kv: KVSettings, generation: GenerationSettings,
        modelName: String = "the model"
    ) throws(ModelError) {
        guard !prompt.isEmpty else { throw ModelError.invalidArgument("empty prompt") }
        let context = model.configuration.contextLength
        guard generation.maxNewTokens >= 1, generation.maxNewTokens <= context else {
            throw ModelError.invalidArgument(
                "max new tokens must be between 1 and the model's context of \(context) (got \(generation.maxNewTokens))"
            )
        }
        self.prompt = prompt
        settings = generation
        self.modelName = modelName
        let plan: KVPlan
        do {
            plan = try kv.plan(
                promptLength: prompt.count, maxNewTokens: generation.maxNewTokens, contextLength: context)
        } catch {
            throw ModelError.kvPlan(error)
        }
        cache = try model.makeCache(for: plan)
        controller = BudgetController(plan: plan)
        controller.prepare(cache)
        promptSteps = plan.promptSteps
        sampler = Sampler(generation.sampling)
    }

    /// The cache plan: what was asked and what runs.
    public var plan: KVPlan { controller.plan }

    public var isFinished: Bool { stopReason != nil || failure != nil }

    /// Whether the next step is (or the step in flight was) part of the prompt.
    public var isInPrompt: Bool { nextForward < promptSteps.count }

    /// The next forward this sequence needs, or nil when it is finished.
    public func nextStep() -> SequenceStep? {
        guard !isFinished else { return nil }
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
        // NaN or infinite logits (NaN weights, a zero rope base or scaling factor) would sample
        // token 0 or stop at once as if at EOS: report them instead.
        guard logits.allSatisfy(\.isFinite) else {
            failure = .nonFiniteLogits(
                "\(modelName) produced non-finite logits (NaN or infinity) for generated token \(generated.count + 1): its weights or hyperparameters are broken"
            )
            return
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

    /// Ends the sequence with an error (its forward failed).
    public func fail(_ error: ModelError) {
        inFlight = nil
        failure = error
    }

    /// What the cache held.
    public var usage: KVUsage {
        KVUsage(
            promptTokens: prompt.count, keptTokens: keptAfterPrompt, peakSlots: cache.peakCount,
            kvBytes: cache.peakBytes, allocatedBytes: cache.bytesAllocated, evictions: controller.evictions)
    }
}
