import Ingestion

/// Builds the output records of a run: the fields every record shares (task, model, KV
/// settings) come from the pipeline; the rest from the input and its result.
public struct RecordFactory: Sendable {
    public let spec: PipelineSpec
    /// The model's file name.
    public let model: String

    public init(spec: PipelineSpec, model: String) {
        self.spec = spec
        self.model = model
    }

    private func base(_ unit: WorkUnit, _ document: Document?, status: OutputRecord.Status) -> OutputRecord {
        var timings = OutputRecord.Timings()
        if let document {
            timings.fetch = document.fetchSeconds
            timings.extract = document.extractSeconds
        }
        return OutputRecord(
            id: unit.id, index: unit.index, source: document?.source ?? unit.reference.source, title: document?.title,
            task: spec.task.rawValue, question: unit.question, output: nil, status: status, model: model,
            kvMode: spec.kv.mode.rawValue, policy: spec.kv.policy.rawValue, budget: BudgetNumber(spec.kv.budget),
            stride: spec.kv.stride, longDocuments: spec.longDocuments.rawValue, timings: timings)
    }

    public func success(_ unit: WorkUnit, _ document: Document, _ result: InferenceResult) -> OutputRecord {
        var r = base(unit, document, status: .ok)
        r.output = result.output
        r.promptTokens = result.promptTokens
        r.kvTokensKept = result.keptTokens
        r.generatedTokens = result.generatedTokens
        r.stopReason = result.stopReason?.rawValue
        r.truncated = result.truncated
        r.chunks = result.chunks
        r.levels = result.levels
        r.timings.prefill = result.prefillSeconds
        r.timings.decode = result.decodeSeconds
        return r
    }

    public func failure(_ unit: WorkUnit, _ document: Document?, _ error: PipelineError) -> OutputRecord {
        var r = base(unit, document, status: .error)
        r.error = error.description
        r.errorKind = error.kind
        return r
    }
}
