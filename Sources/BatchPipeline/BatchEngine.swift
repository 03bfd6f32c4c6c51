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
    public var stopReason: StopReason?
    public var promptTokens = 0
    /// Cache entries per (layer, head) right after the prompt.
    public var keptTokens = 0
    /// Model seconds attributed to this request (see `OutputRecord.Timings`).
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var error: PipelineError?
}

/// Counters of the engine, for progress and the final report.
public struct EngineStatistics: Sendable {
    public var promptTokens = 0
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var decodeSteps = 0
    /// Sum over decode steps of the sequences in the step (mean batch = this / decodeSteps).
    public var decodeRows = 0
    /// Most sequences in one decode step.
    public var peakDecodeRows = 0
}

/// Continuous batching over one model (DESIGN.md §5): up to `batchSize` sequences are in flight;
/// each decode step stacks one new token of every decoding sequence into one forward, so each
/// weight matrix is read once for all of them; a finished sequence leaves and the next waiting
/// request joins. The engine owns the model on its own thread; callers `await generate(_:)`
/// from any task.
///
/// Results equal running each request alone (greedy): a prompt stride is always forwarded on its
/// own (as in a batch of one, so the same matrix shapes reach `sgemm`), and a decode step holds
/// only decode tokens, which the model computes row by row with integer dot products whatever the
/// batch (`LlamaModel.forward` picks the path by step kind), so no row depends on the others.
/// Steps alternate: one decode step for every decoding sequence, then one prompt stride of the
/// oldest sequence still prefilling.
public final class BatchEngine: @unchecked Sendable {
    // @unchecked Sendable: `waiting`, `stopping`, `admitting` and `stats` are guarded by `condition`;
    // sequences are created and stepped only on the engine thread.

    public let model: LlamaModel
    public let batchSize: Int
    public let tokenizer: any Tokenizer

    private struct Waiting {
        var request: GenerationRequest
        var continuation: CheckedContinuation<GenerationOutcome, Never>
    }

    private final class Active {
        let sequence: GenerationSequence
        let continuation: CheckedContinuation<GenerationOutcome, Never>
        var outcome = GenerationOutcome()

        init(sequence: GenerationSequence, continuation: CheckedContinuation<GenerationOutcome, Never>) {
            self.sequence = sequence
            self.continuation = continuation
        }
    }

    private let condition = NSCondition()
    private var waiting: [Waiting] = []
    private var stopping = false
    private var admitting = true
    private var stats = EngineStatistics()
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    public init(model: LlamaModel, tokenizer: any Tokenizer, batchSize: Int) {
        self.model = model
        self.tokenizer = tokenizer
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

    public var statistics: EngineStatistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    // MARK: The engine thread

    private func loop() {
        var active: [Active] = []
        while true {
            condition.lock()
            while waiting.isEmpty && active.isEmpty && !stopping { condition.wait() }
            if waiting.isEmpty && active.isEmpty && stopping {
                condition.unlock()
                return
            }
            var admitted: [Waiting] = []
            while active.count + admitted.count < batchSize, !waiting.isEmpty { admitted.append(waiting.removeFirst()) }
            condition.unlock()

            for w in admitted {
                if let a = makeActive(w) { active.append(a) }
            }
            step(active)
            active.removeAll { a in
                guard a.sequence.isFinished || a.outcome.error != nil else { return false }
                complete(a)
                return true
            }
        }
    }

    private func makeActive(_ w: Waiting) -> Active? {
        let sequence: GenerationSequence
        do {
            sequence = try GenerationSequence(
                model: model, prompt: w.request.prompt, kv: w.request.kv, generation: w.request.generation)
        } catch {
            w.continuation.resume(
                returning: GenerationOutcome(
                    promptTokens: w.request.prompt.count,
                    error: .document(id: "", kind: "generation", message: error.description)))
            return nil
        }
        if !w.request.stopStrings.isEmpty {
            var matcher = StopStringMatcher(tokenizer: tokenizer, stops: w.request.stopStrings)
            sequence.onToken = { token in matcher.push(token) }
        }
        let a = Active(sequence: sequence, continuation: w.continuation)
        a.outcome.promptTokens = w.request.prompt.count
        return a
    }

    /// One round: a decode step for every decoding sequence, then one prompt stride.
    private func step(_ active: [Active]) {
        var decoding: [(Active, SequenceStep)] = []
        var prefilling: (Active, SequenceStep)?
        for a in active where a.outcome.error == nil {
            guard let step = a.sequence.nextStep() else {
                if !a.sequence.isFinished { a.outcome.error = .model("a sequence stopped without finishing") }
                continue
            }
            if step.positions[0] >= a.sequence.prompt.count {
                decoding.append((a, step))
            } else if prefilling == nil {
                prefilling = (a, step)
            }
        }
        if !decoding.isEmpty { forward(decoding, prefill: false) }
        if let prefilling { forward([prefilling], prefill: true) }
    }

    private func forward(_ group: [(Active, SequenceStep)], prefill: Bool) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let logits: [[Float]]
        do {
            logits = try model.forward(group.map(\.1))
        } catch {
            for (a, _) in group { a.outcome.error = .document(id: "", kind: "generation", message: error.description) }
            return
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let share = seconds / Double(group.count)
        for ((a, _), l) in zip(group, logits) {
            a.sequence.consume(l)
            if prefill { a.outcome.prefillSeconds += share } else { a.outcome.decodeSeconds += share }
        }
        condition.lock()
        if prefill {
            stats.prefillSeconds += seconds
            stats.promptTokens += group.reduce(0) { $0 + $1.1.tokens.count }
            // The last stride samples the first token.
            stats.generatedTokens += group.filter { $0.0.sequence.generated.count == 1 }.count
        } else {
            stats.decodeSeconds += seconds
            stats.decodeSteps += 1
            stats.decodeRows += group.count
            stats.peakDecodeRows = max(stats.peakDecodeRows, group.count)
            stats.generatedTokens += group.count
        }
        condition.unlock()
    }

    private func complete(_ a: Active) {
        var outcome = a.outcome
        let sequence = a.sequence
        outcome.tokens = sequence.generated
        outcome.stopReason = sequence.stopReason
        outcome.keptTokens = sequence.keptAfterPrompt
        a.continuation.resume(returning: outcome)
    }
}

/// Watches decoded text for stop strings as tokens arrive.
struct StopStringMatcher {
    var decoder: StreamingDecoder
    let stops: [String]
    let longest: Int
    var tail = ""

    init(tokenizer: any Tokenizer, stops: [String]) {
        decoder = tokenizer.makeStreamingDecoder(skipSpecial: true)
        self.stops = stops
        longest = stops.map(\.count).max() ?? 0
    }

    /// Adds a token; true when the text now contains a stop string.
    mutating func push(_ token: Int) -> Bool {
        tail += decoder.push(token)
        if stops.contains(where: { tail.contains($0) }) { return true }
        if tail.count > 4 * longest + 64 { tail = String(tail.suffix(longest)) }
        return false
    }
}
