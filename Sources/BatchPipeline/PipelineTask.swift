/// What a pipeline does with each input.
public enum PipelineTask: String, Sendable, CaseIterable, Equatable {
    /// One summary per document (long documents: see `LongDocumentStrategy`).
    case summarize
    /// One answer per (document, question).
    case answer
    /// Always summarise chunk by chunk, then summarise the summaries.
    case mapReduceSummary = "map_reduce_summary"

    /// Whether the prompts need a question.
    public var needsQuestion: Bool { self == .answer }
}

/// What to do with a document whose prompt does not fit the model's context (or the configured
/// `chunking.max_prompt_tokens`). Recorded in every output record.
public enum LongDocumentStrategy: String, Sendable, CaseIterable, Equatable {
    /// Summarise (or answer over) chunks, then combine the partial outputs, level by level.
    case mapReduce = "map_reduce"
    /// Keep the beginning of the document that fits.
    case truncate
    /// Write an error record.
    case error
}
