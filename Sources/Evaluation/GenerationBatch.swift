import LanguageModels

/// Runs generation jobs through one model with continuous batching, like `LlamaModel.run`, but
/// creates each sequence (and its cache) only when it joins the batch, and reports each one as
/// soon as it finishes: a passkey grid has hundreds of cases, and their caches must not all
/// exist at once.
public struct GenerationBatch {
    public let model: LlamaModel
    public let batchSize: Int

    public init(model: LlamaModel, batchSize: Int) {
        self.model = model
        self.batchSize = max(1, batchSize)
    }

    /// Runs `count` jobs in order: `make(i)` builds job `i`'s sequence when a batch slot is
    /// free, `finished(i, sequence)` receives it when it stops. A job whose `make` throws is
    /// reported to `failed` and the others go on.
    public func run(
        count: Int, make: (Int) throws -> GenerationSequence, finished: (Int, GenerationSequence) -> Void,
        failed: (Int, any Error) -> Void
    ) throws(ModelError) {
        var next = 0
        var active: [(index: Int, sequence: GenerationSequence)] = []
        while true {
            while active.count < batchSize, next < count {
                do { active.append((next, try make(next))) } catch { failed(next, error) }
                next += 1
            }
            if active.isEmpty { return }
            var steps: [SequenceStep] = []
            var owners: [Int] = []
            for (slot, job) in active.enumerated() {
                if let step = job.sequence.nextStep() {
                    steps.append(step)
                    owners.append(slot)
                }
            }
            if !steps.isEmpty {
                let logits = try model.forward(steps)
                for (slot, l) in zip(owners, logits) { active[slot].sequence.consume(l) }
            }
            let done = active.filter { $0.sequence.isFinished }
            active.removeAll { $0.sequence.isFinished }
            for job in done { finished(job.index, job.sequence) }
            if steps.isEmpty, !active.isEmpty {
                // Nothing to forward yet not finished cannot happen; end rather than spin.
                for job in active { finished(job.index, job.sequence) }
                active.removeAll()
            }
        }
    }
}
