import Ingestion

/// One output line to produce: a document, or a document and one question.
public struct WorkUnit: Sendable, Equatable {
    /// The record id: the document id, or `<document id>#q<k>` for the k-th pipeline question.
    public var id: String
    /// Position in the whole (unsharded) list of inputs.
    public var index: Int
    public var reference: DocumentReference
    public var question: String?
    /// A problem found before loading (a duplicate id): the unit becomes an error record.
    public var problem: PipelineError?

    public init(
        id: String, index: Int, reference: DocumentReference, question: String? = nil, problem: PipelineError? = nil
    ) {
        self.id = id
        self.index = index
        self.reference = reference
        self.question = question
        self.problem = problem
    }
}
