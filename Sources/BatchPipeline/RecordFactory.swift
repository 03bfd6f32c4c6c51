import Ingestion
import KVCaches

/// Builds the output records of a run: the fields every record shares (task, model) come from the
/// pipeline; the KV fields are what ran (`KVPlan.effective`: a prompt within one stride may have
/// run with the full cache), or the configured settings when nothing ran; the rest come from the
/// input and its result.
public struct RecordFactory: Sendable {
    public let spec: PipelineSpec
    /// The model's file name.
    public let model: String

    public init(spec: PipelineSpec, model: String) {
        self.spec = spec
        self.model = model
    }

    private func base(_ unit: WorkUnit, _ document: Document?, status: OutputRecord.Status, kv: KVSettings? = nil)
        -> OutputRecord
    {
        let kv = kv ?? spec.kv
        var timings = OutputRecord.Timings()
        if let document {
            timings.fetch = document.fetchSeconds
            timings.extract = document.extractSeconds
        }
        return OutputRecord(
            id: unit.id, index: unit.index, source: document?.source ?? unit.reference.source, title: document?.title,
            task: spec.task.rawValue, question: unit.question, output: nil, status: status, model: model,
            kvMode: kv.mode.rawValue, policy: kv.isFull ? PolicyName.full.rawValue : kv.policy.rawValue,
            budget: kv.isFull ? nil : kv.budget, stride: kv.stride, kvType: kv.formatLabel,
            longDocuments: spec.longDocuments.rawValue,
            timings: timings)
    }

    public func success(_ unit: WorkUnit, _ document: Document, _ result: InferenceResult) -> OutputRecord {
        var r = base(unit, document, status: .ok, kv: result.kv)
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
