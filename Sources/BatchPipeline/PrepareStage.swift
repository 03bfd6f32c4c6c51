import Ingestion

/// A document ready for the model: its prompt, or the prompts of its chunks.
public struct PreparedInput: Sendable {
    public enum Plan: Sendable, Equatable {
        /// One prompt for the whole document (`truncated`: only its beginning fitted).
        case single(prompt: [Int], truncated: Bool)
        /// One prompt per chunk (map step); the reduce prompts are made from their outputs.
        case mapReduce(chunkPrompts: [[Int]])
    }

    public var unit: WorkUnit
    public var document: Document
    /// `{title}`: the document's title, else its id.
    public var title: String
    public var plan: Plan
}

/// Chunks and templates one document (DESIGN.md §1: chunks ──► prompts). A document whose
/// prompt does not fit `maxPromptTokens` follows the pipeline's `long_documents` strategy;
/// the `map_reduce_summary` task always goes chunk by chunk.
public struct PrepareStage: PipelineStage {
    public let spec: PipelineSpec
    public let builder: PromptBuilder
    /// Largest prompt, in tokens.
    public let maxPromptTokens: Int

    /// Tokens kept free between a prompt's measured size and the limit: text cut at a token
    /// boundary and encoded again inside a template can come out a few tokens longer.
    static let slack = 8

    public var name: String { "prepare" }

    public init(spec: PipelineSpec, builder: PromptBuilder, maxPromptTokens: Int) {
        self.spec = spec
        self.builder = builder
        self.maxPromptTokens = maxPromptTokens
    }

    public func process(_ input: (unit: WorkUnit, document: Document)) async throws(PipelineError) -> PreparedInput {
        let (unit, document) = input
        let title = document.title.flatMap { $0.isEmpty ? nil : $0 } ?? document.id
        if spec.task.needsQuestion && unit.question == nil {
            throw PipelineError.document(
                id: unit.id, kind: "no_question",
                message:
                    "no question for this document: list questions: in the pipeline, or give a question field in JSON Lines input"
            )
        }
        func prepared(_ plan: PreparedInput.Plan) -> PreparedInput {
            PreparedInput(unit: unit, document: document, title: title, plan: plan)
        }
        if spec.task == .mapReduceSummary {
            return prepared(try mapPlan(unit, document.text, title: title))
        }
        let prompt = try builder.encode(
            template: spec.prompt.user, document: document.text, title: title, question: unit.question)
        if prompt.count <= maxPromptTokens { return prepared(.single(prompt: prompt, truncated: false)) }
        switch spec.longDocuments {
        case .error:
            throw PipelineError.document(
                id: unit.id, kind: "too_long",
                message:
                    "the prompt has \(prompt.count) tokens, more than the limit of \(maxPromptTokens) (long_documents: error)"
            )
        case .truncate:
            let fitted = try truncatedPrompt(
                template: spec.prompt.user, text: document.text, title: title, question: unit.question, unit: unit)
            return prepared(.single(prompt: fitted, truncated: true))
        case .mapReduce:
            return prepared(try mapPlan(unit, document.text, title: title))
        }
    }

    /// The chunk prompts of the map step.
    func mapPlan(_ unit: WorkUnit, _ text: String, title: String) throws(PipelineError) -> PreparedInput.Plan {
        let template = spec.prompt.map ?? spec.prompt.user
        let budget = try documentBudget(template: template, title: title, question: unit.question, unit: unit)
        let size = min(spec.chunking.chunkTokens, budget)
        let chunker = Chunker(
            maxTokens: size, overlapTokens: min(spec.chunking.overlapTokens, size / 4), counter: builder.tokenCounter)
        let chunks = chunker.chunks(of: text, documentID: unit.id)
        guard !chunks.isEmpty else {
            throw PipelineError.document(id: unit.id, kind: "empty_document", message: "no text to summarise")
        }
        var prompts: [[Int]] = []
        for chunk in chunks {
            var prompt = try builder.encode(
                template: template, document: chunk.text, title: title, question: unit.question)
            if prompt.count > maxPromptTokens {
                prompt = try truncatedPrompt(
                    template: template, text: chunk.text, title: title, question: unit.question, unit: unit)
            }
            prompts.append(prompt)
        }
        return .mapReduce(chunkPrompts: prompts)
    }

    /// Document tokens that fit in `template` under the limit.
    func documentBudget(template: String, title: String, question: String?, unit: WorkUnit) throws(PipelineError) -> Int
    {
        let overhead = try builder.encode(template: template, document: "", title: title, question: question).count
        let budget = maxPromptTokens - overhead - Self.slack
        guard budget >= 16 else {
            throw PipelineError.document(
                id: unit.id, kind: "too_long",
                message: "the prompt template alone takes \(overhead) of the \(maxPromptTokens) prompt tokens allowed")
        }
        return budget
    }

    /// The prompt with as much of the beginning of `text` as fits.
    func truncatedPrompt(template: String, text: String, title: String, question: String?, unit: WorkUnit)
        throws(PipelineError) -> [Int]
    {
        var keep = try documentBudget(template: template, title: title, question: question, unit: unit)
        for _ in 0..<4 {
            let prompt = try builder.encode(
                template: template, document: builder.prefix(of: text, tokens: keep), title: title, question: question)
            if prompt.count <= maxPromptTokens { return prompt }
            keep -= prompt.count - maxPromptTokens + Self.slack
            if keep < 1 { break }
        }
        throw PipelineError.document(
            id: unit.id, kind: "too_long", message: "could not cut the document to fit \(maxPromptTokens) prompt tokens"
        )
    }
}
