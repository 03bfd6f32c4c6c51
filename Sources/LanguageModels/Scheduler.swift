import Dispatch

/// Counters of a scheduler, for progress lines and reports.
public struct SchedulerStatistics: Sendable, Equatable {
    public var promptTokens = 0
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var decodeSteps = 0
    /// Sum over decode steps of the sequences in the step (mean batch = this / decodeSteps).
    public var decodeRows = 0
    /// Most sequences in one decode step.
    public var peakDecodeRows = 0

    public init() {}

    public var meanDecodeBatch: Double { decodeSteps > 0 ? Double(decodeRows) / Double(decodeSteps) : 0 }
}

/// Continuous batching over one model (DESIGN.md §5), the one place that decides what a forward
/// step holds. `generate`, the pipeline's `BatchEngine` and the evaluations all run through it.
///
/// The step rule: a round is one decode step that stacks the next token of every decoding
/// sequence, then one prompt stride of the oldest sequence still prefilling, on its own. So a
/// prompt stride always reaches the model as it would in a batch of one (the same matrix
/// shapes), and a decode step holds only decode tokens, which the model computes row by row
/// (`LanguageModel.forward`'s contract): every sequence's tokens are the ones it would get alone,
/// whatever else shares the batch. A finished sequence leaves and the next waiting one joins.
public final class Scheduler {
    public let model: any LanguageModel
    public let batchSize: Int
    public private(set) var active: [GenerationSequence] = []
    public private(set) var statistics = SchedulerStatistics()

    public init(model: any LanguageModel, batchSize: Int) {
        self.model = model
        self.batchSize = max(1, batchSize)
    }

    /// Whether another sequence may join.
    public var hasRoom: Bool { active.count < batchSize }

    public var isIdle: Bool { active.isEmpty }

    /// Adds a sequence to the batch (call only when `hasRoom`).
    public func admit(_ sequence: GenerationSequence) {
        precondition(hasRoom, "the batch is full")
        active.append(sequence)
    }

    /// Runs one round and returns the sequences that finished in it (done, stopped or failed),
    /// which leave the batch.
    @discardableResult
    public func step() -> [GenerationSequence] {
        var decoding: [(GenerationSequence, SequenceStep)] = []
        var prefilling: (GenerationSequence, SequenceStep)?
        for sequence in active {
            guard let step = sequence.nextStep() else {
                if !sequence.isFinished { sequence.fail(.invalidArgument("a sequence stopped without finishing")) }
                continue
            }
            if !sequence.isInPrompt {
                decoding.append((sequence, step))
            } else if prefilling == nil {
                prefilling = (sequence, step)
            }
        }
        if !decoding.isEmpty { forward(decoding, prefill: false) }
        if let prefilling { forward([prefilling], prefill: true) }
        let done = active.filter(\.isFinished)
        active.removeAll(where: \.isFinished)
        return done
    }

    private func forward(_ group: [(GenerationSequence, SequenceStep)], prefill: Bool) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let logits: [[Float]]
        do {
            logits = try model.forward(group.map(\.1))
        } catch {
            for (sequence, _) in group { sequence.fail(error) }
            return
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let share = seconds / Double(group.count)
        var sampled = 0
        for ((sequence, _), l) in zip(group, logits) {
            let before = sequence.generated.count
            sequence.consume(l)
            sampled += sequence.generated.count - before
            if prefill { sequence.prefillSeconds += share } else { sequence.decodeSeconds += share }
        }
        statistics.generatedTokens += sampled
        if prefill {
            statistics.prefillSeconds += seconds
            statistics.promptTokens += group.reduce(0) { $0 + $1.1.tokens.count }
        } else {
            statistics.decodeSeconds += seconds
            statistics.decodeSteps += 1
            statistics.decodeRows += group.count
            statistics.peakDecodeRows = max(statistics.peakDecodeRows, group.count)
        }
    }

    /// Runs `count` jobs to completion, in order: `make(i)` builds job `i`'s sequence when a batch
    /// slot is free (so caches exist only while their job runs), `finished(i, sequence)` receives
    /// it when it ends (check `failure`). A job whose `make` throws goes to `failed`; the others go on.
    public func run(
        count: Int, make: (Int) throws -> GenerationSequence, finished: (Int, GenerationSequence) -> Void,
        failed: (Int, any Error) -> Void = { _, _ in }
    ) {
        var next = 0
        var index: [ObjectIdentifier: Int] = [:]
        while true {
            while hasRoom, next < count {
                do {
                    let sequence = try make(next)
                    index[ObjectIdentifier(sequence)] = next
                    admit(sequence)
                } catch {
                    failed(next, error)
                }
                next += 1
            }
            if isIdle { return }
            for sequence in step() { finished(index.removeValue(forKey: ObjectIdentifier(sequence))!, sequence) }
        }
    }

    /// Runs `sequences` to completion.
    public func run(_ sequences: [GenerationSequence]) {
        run(count: sequences.count, make: { sequences[$0] }, finished: { _, _ in })
    }
}
