import Dispatch
import Foundation
import KVCaches
import LanguageModels
import Tokenizers

/// One prompt to run to completion.
public struct GenerationRequest: Sendable {
    public var prompt: [Int]
    public var kv: KVSettings
    public var generation: GenerationSettings
    /// Text that ends generation; checked on the decoded text as tokens arrive.
    public var stopStrings: [String]

    public init(prompt: [Int], kv: KVSettings, generation: GenerationSettings, stopStrings: [String] = []) {
        self.prompt = prompt
        self.kv = kv
        self.generation = generation
        self.stopStrings = stopStrings
    }
}

/// What a request produced.
public struct GenerationOutcome: Sendable {
    public var tokens: [Int] = []
    /// The output text: control tokens left out, cut before the first stop string.
    public var text = ""
    public var stopReason: StopReason?
    public var promptTokens = 0
    /// Cache entries per (layer, head) right after the prompt.
    public var keptTokens = 0
    /// The KV settings that ran (`KVPlan.effective`); nil when the request never started.
    public var kv: KVSettings?
    /// Model seconds attributed to this request (see `OutputRecord.Timings`).
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var error: PipelineError?
}

/// The pipeline's asynchronous front of a `Scheduler`: callers `await generate(_:)` from any
/// task; the engine's own thread admits waiting requests into free batch slots and runs the
/// scheduler's rounds (whose step rule keeps every result equal to running the request alone).
public final class BatchEngine: @unchecked Sendable {
    // @unchecked Sendable: `waiting`, `stopping`, `admitting` and `stats` are guarded by `condition`;
    // sequences are created and stepped only on the engine thread.

    public let loaded: LoadedModel
    public let batchSize: Int

    private struct Waiting {
        var request: GenerationRequest
        var continuation: CheckedContinuation<GenerationOutcome, Never>
    }

    /// A request in the batch: its sequence, and the stop-string matcher that also collects its text.
    private final class Active {
        let continuation: CheckedContinuation<GenerationOutcome, Never>
        var stops: StopStrings
        let kv: KVSettings

        init(continuation: CheckedContinuation<GenerationOutcome, Never>, stops: StopStrings, kv: KVSettings) {
            self.continuation = continuation
            self.stops = stops
            self.kv = kv
        }
    }

    private let condition = NSCondition()
    private var waiting: [Waiting] = []
    private var stopping = false
    private var admitting = true
    private var stats = SchedulerStatistics()
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    public init(loaded: LoadedModel, batchSize: Int) {
        self.loaded = loaded
        self.batchSize = max(1, batchSize)
    }

    /// Starts the engine thread.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "easykv-batch-engine"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Finishes every request already submitted, then stops the thread.
    public func shutdown() {
        condition.lock()
        stopping = true
        let wasStarted = started
        condition.broadcast()
        condition.unlock()
        if wasStarted { finished.wait() }
    }

    /// Stops admitting requests (an interrupted run): requests still waiting for a batch slot,
    /// and any submitted later, end at once with an `interrupted` error; sequences already in the
    /// batch run to completion.
    public func stopAdmitting() {
        condition.lock()
        admitting = false
        let cancelled = waiting
        waiting.removeAll()
        condition.unlock()
        for w in cancelled { w.continuation.resume(returning: Self.interrupted) }
    }

    static let interrupted = GenerationOutcome(
        error: .document(
            id: "", kind: PipelineError.interruptedKind, message: "interrupted before it reached the model"))

    /// Runs `request` in the next free batch slot and returns when it has finished.
    public func generate(_ request: GenerationRequest) async -> GenerationOutcome {
        await withCheckedContinuation { continuation in
            condition.lock()
            if stopping || !admitting {
                condition.unlock()
                continuation.resume(returning: Self.interrupted)
                return
            }
            waiting.append(Waiting(request: request, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    public var statistics: SchedulerStatistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    // MARK: The engine thread

    private func loop() {
        let scheduler = Scheduler(model: loaded.model, batchSize: batchSize)
        var requests: [ObjectIdentifier: Active] = [:]
        while true {
            condition.lock()
            while waiting.isEmpty && scheduler.isIdle && !stopping { condition.wait() }
            if waiting.isEmpty && scheduler.isIdle && stopping {
                condition.unlock()
                return
            }
            var admitted: [Waiting] = []
            while scheduler.active.count + admitted.count < batchSize, !waiting.isEmpty {
                admitted.append(waiting.removeFirst())
            }
            condition.unlock()

            for w in admitted {
                guard let (sequence, active) = start(w) else { continue }
                requests[ObjectIdentifier(sequence)] = active
                scheduler.admit(sequence)
            }
            let done = scheduler.step()
            condition.lock()
            stats = scheduler.statistics
            condition.unlock()
            for sequence in done {
                guard let active = requests.removeValue(forKey: ObjectIdentifier(sequence)) else { continue }
                complete(sequence, active)
            }
        }
    }

    /// The sequence of a request, or nil when it cannot start (its outcome is sent at once).
    private func start(_ w: Waiting) -> (GenerationSequence, Active)? {
        let sequence: GenerationSequence
        do {
            sequence = try GenerationSequence(
                model: loaded.model, prompt: w.request.prompt, kv: w.request.kv, generation: w.request.generation,
                modelName: loaded.name)
        } catch {
            w.continuation.resume(
                returning: GenerationOutcome(
                    promptTokens: w.request.prompt.count,
                    error: .document(id: "", kind: Self.errorKind(error), message: error.description)))
            return nil
        }
        let active = Active(
            continuation: w.continuation, stops: StopStrings(w.request.stopStrings, tokenizer: loaded.tokenizer),
            kv: sequence.plan.effective)
        sequence.onToken = { [active] token in
            _ = active.stops.push(token: token)
            return active.stops.stopped
        }
        return (sequence, active)
    }

    private func complete(_ sequence: GenerationSequence, _ active: Active) {
        _ = active.stops.finish()
        var outcome = GenerationOutcome(
            tokens: sequence.generated, text: active.stops.text, stopReason: sequence.stopReason,
            promptTokens: sequence.prompt.count, keptTokens: sequence.keptAfterPrompt, kv: active.kv,
            prefillSeconds: sequence.prefillSeconds, decodeSeconds: sequence.decodeSeconds)
        if let failure = sequence.failure {
            outcome.error = .document(id: "", kind: Self.errorKind(failure), message: failure.description)
        }
        active.continuation.resume(returning: outcome)
    }

    /// The record's `error_kind` for a sequence that could not start or failed: NaN or infinite
    /// logits (a broken model, issue 16 item 9) are told apart from other failures.
    static func errorKind(_ error: ModelError) -> String {
        if case .nonFiniteLogits = error { return "non_finite_logits" }
        return "generation"
    }
}
