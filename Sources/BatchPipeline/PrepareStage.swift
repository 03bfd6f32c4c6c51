import Ingestion
import Tokenizers

/// A document ready for the model: its prompt, or the prompts of its chunks and how to reduce
/// their outputs.
public struct PreparedInput: Sendable {
    public enum Plan: Sendable {
        /// One prompt for the whole document (`truncated`: only its beginning fitted).
        case single(prompt: [Int], truncated: Bool)
        /// One prompt per chunk (map step), then the reduce levels.
        case mapReduce(chunkPrompts: [[Int]], reduce: ReducePlan)
    }

    public var unit: WorkUnit
    public var document: Document
    /// `{title}`: the document's title, else its id.
    public var title: String
    public var plan: Plan
}

/// Chunks and templates one document, on token ids (`PromptPlanner`). A document whose prompt
/// does not fit `maxPromptTokens` follows the pipeline's `long_documents` strategy; the
/// `map_reduce_summary` task always goes chunk by chunk.
public struct PrepareStage: PipelineStage {
    public let spec: PipelineSpec
    public let builder: PromptBuilder
    /// Largest prompt, in tokens.
    public let maxPromptTokens: Int

    public var name: String { "prepare" }

    public init(spec: PipelineSpec, builder: PromptBuilder, maxPromptTokens: Int) {
        self.spec = spec
        self.builder = builder
        self.maxPromptTokens = maxPromptTokens
    }

    /// The prompt limit for a model with `contextLength`: `chunking.max_prompt_tokens`, else the
    /// context minus `generation.max_tokens`. Settings that would fail every long document at
    /// planning are refused here, once, before any input runs: `max_tokens` leaving no room for
    /// a prompt, and an explicit `max_prompt_tokens` beyond the context when the KV settings keep
    /// the whole prompt (the full cache, decoding mode; issue 16 item 5).
    public static func maxPromptTokens(_ spec: PipelineSpec, contextLength: Int) throws(PipelineError) -> Int {
        let generated = spec.generation.maxTokens
        guard contextLength - generated >= 64 else {
            throw PipelineError.invalidSpec(
                location: spec.origin, key: "generation.max_tokens",
                message:
                    "\(generated) leaves no room for a prompt in the model's context of \(contextLength) tokens (at most \(contextLength - 64))"
            )
        }
        guard let asked = spec.chunking.maxPromptTokens else { return contextLength - generated }
        let whole = spec.kv.isFull ? asked + generated : spec.kv.mode == .decoding ? asked : 0
        guard whole <= contextLength else {
            let keeps = spec.kv.isFull ? "the full cache" : "kv.mode decoding, which keeps the whole prompt"
            let most = spec.kv.isFull ? contextLength - generated : contextLength
            throw PipelineError.invalidSpec(
                location: spec.origin, key: "chunking.max_prompt_tokens",
                message:
                    "\(asked)\(spec.kv.isFull ? " plus generation.max_tokens (\(generated))" : "") exceeds the model's context of \(contextLength) tokens with \(keeps): at most \(most), or set a KV budget (kv.mode encoding)"
            )
        }
        return asked
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
        let planner = PromptPlanner(
            builder: builder, maxPromptTokens: maxPromptTokens, title: title, question: unit.question, unitID: unit.id)
        func prepared(_ plan: PreparedInput.Plan) -> PreparedInput {
            PreparedInput(unit: unit, document: document, title: title, plan: plan)
        }
        var ids: [Int]?
        if spec.task != .mapReduceSummary {
            // The whole document, if it fits: encoded once, with the template. A text of no more
            // bytes than the room left is no more tokens either, so it needs no count first.
            let room = maxPromptTokens - (try planner.encode(spec.prompt.user, document: "").count)
            if document.text.utf8.count + 1 > room {
                ids = planner.documentTokens(document.text)
            }
            if (ids?.count ?? 0) <= room {
                let prompt = try planner.encode(spec.prompt.user, document: document.text)
                if prompt.count <= maxPromptTokens { return prepared(.single(prompt: prompt, truncated: false)) }
            }
            let tokens = ids ?? planner.documentTokens(document.text)
            ids = tokens
            switch spec.longDocuments {
            case .error:
                throw PipelineError.document(
                    id: unit.id, kind: "too_long",
                    message:
                        "the document has \(tokens.count) tokens, more than the \(max(room, 0)) the prompt limit of \(maxPromptTokens) leaves for it (long_documents: error)"
                )
            case .truncate:
                return prepared(.single(prompt: try planner.truncated(spec.prompt.user, tokens), truncated: true))
            case .mapReduce:
                break
            }
        }
        let template = spec.prompt.map ?? spec.prompt.user
        let prompts = try planner.chunkPrompts(
            template, ids ?? planner.documentTokens(document.text), chunkTokens: spec.chunking.chunkTokens,
            overlapTokens: spec.chunking.overlapTokens)
        let reduce = ReducePlan(planner: planner, template: spec.prompt.reduce, maxLevels: spec.mapReduce.maxLevels)
        return prepared(.mapReduce(chunkPrompts: prompts, reduce: reduce))
    }
}
