/// One step of a pipeline run (DESIGN.md §1):
///
/// ```
/// discover ──► load (fetch + extract) ──► prepare (chunk + template) ──► infer ──► write
/// ```
///
/// Each input goes through the stages as one task; the runner keeps a bounded number of inputs
/// in flight, so the I/O stages of later inputs run while earlier ones are in the model. The
/// infer stage hands prompts to the `BatchEngine`, which owns the model and batches the prompts
/// of all inputs in flight.
public protocol PipelineStage: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable

    /// The stage's name, for messages.
    var name: String { get }

    func process(_ input: Input) async throws(PipelineError) -> Output
}
