import Tokenizers

/// Plans the prompts of one input on token ids (DESIGN.md §1: chunks ──► prompts): the document
/// is encoded once; chunks, truncation and the map-reduce regrouping are cut on its ids; each
/// prompt is then encoded once, whole, with the template (`PromptBuilder`), and cut again only in
/// the rare case the seams made it a few tokens longer than planned.
public struct PromptPlanner: Sendable {
    public let builder: PromptBuilder
    /// Largest prompt, in tokens.
    public let maxPromptTokens: Int
    /// `{title}` and `{question}` of this input (`{document}` is what varies).
    public let values: [String: String]
    public let unitID: String

    /// Tokens kept free between a prompt's planned size and the limit: text cut at a token
    /// boundary and encoded again inside a template can come out a few tokens longer.
    static let slack = 8

    public init(builder: PromptBuilder, maxPromptTokens: Int, title: String, question: String?, unitID: String) {
        self.builder = builder
        self.maxPromptTokens = maxPromptTokens
        values = ["title": title, "question": question ?? ""]
        self.unitID = unitID
    }

    var tokenizer: any Tokenizer { builder.tokenizer }

    /// The document's ids: plain text, no BOS, control-token text kept as text.
    func documentTokens(_ text: String) -> [Int] { tokenizer.encode(text, addSpecial: false, special: .none) }

    func encode(_ template: String, document: String) throws(PipelineError) -> [Int] {
        var v = values
        v["document"] = document
        do { return try builder.encode(template, v) } catch {
            throw PipelineError.model("chat template: \(error)")
        }
    }

    /// Document tokens that fit in `template` under the limit.
    func documentBudget(_ template: String) throws(PipelineError) -> Int {
        let overhead = try encode(template, document: "").count
        let budget = maxPromptTokens - overhead - Self.slack
        guard budget >= 16 else {
            throw PipelineError.document(
                id: unitID, kind: "too_long",
                message: "the prompt template alone takes \(overhead) of the \(maxPromptTokens) prompt tokens allowed")
        }
        return budget
    }

    /// The prompt for `ids[range]`, cut from the end until it fits (a seam can add a token or two).
    func prompt(_ template: String, _ ids: [Int], _ range: Range<Int>) throws(PipelineError) -> [Int] {
        var end = range.upperBound
        for _ in 0..<4 {
            let prompt = try encode(template, document: tokenizer.decode(Array(ids[range.lowerBound..<end])))
            if prompt.count <= maxPromptTokens { return prompt }
            end -= prompt.count - maxPromptTokens + Self.slack
            if end <= range.lowerBound { break }
        }
        throw PipelineError.document(
            id: unitID, kind: "too_long", message: "could not cut the document to fit \(maxPromptTokens) prompt tokens")
    }

    /// The prompt with as much of the beginning of the document as fits.
    func truncated(_ template: String, _ ids: [Int]) throws(PipelineError) -> [Int] {
        try prompt(template, ids, 0..<min(ids.count, try documentBudget(template)))
    }

    /// One prompt per chunk of the document.
    func chunkPrompts(_ template: String, _ ids: [Int], chunkTokens: Int, overlapTokens: Int) throws(PipelineError)
        -> [[Int]]
    {
        let size = min(chunkTokens, try documentBudget(template))
        let chunker = TokenChunker(maxTokens: size, overlapTokens: min(overlapTokens, size / 4))
        let ranges = chunker.chunks(ids, tokenizer: tokenizer)
        guard !ranges.isEmpty else {
            throw PipelineError.document(id: unitID, kind: "empty_document", message: "no text to summarise")
        }
        var prompts: [[Int]] = []
        for range in ranges { prompts.append(try prompt(template, ids, range)) }
        return prompts
    }
}

/// The reduce steps of a map-reduce input (issue 7 §4): numbered partial outputs are combined by
/// the reduce template; when they are too long for one prompt they are grouped and reduced again,
/// one level at a time, and at the last allowed level cut to fit, so an input always finishes in
/// at most `maxLevels` levels.
public struct ReducePlan: Sendable {
    public let planner: PromptPlanner
    public let template: String
    public let maxLevels: Int

    /// What the next level runs.
    public enum Step: Sendable {
        /// Reduce these groups, then plan again with their outputs.
        case groups([[Int]])
        /// The last prompt; `truncated` when the combined outputs had to be cut.
        case final(prompt: [Int], truncated: Bool)
    }

    /// Partial outputs, numbered, separated by blank lines.
    public static func combine(_ partials: [String]) -> String {
        partials.enumerated().map { "Part \($0.offset + 1): \($0.element)" }.joined(separator: "\n\n")
    }

    /// The prompts of level `level` (the map level is 1) for the outputs of the level before.
    public func next(_ partials: [String], level: Int) throws(PipelineError) -> Step {
        let combined = Self.combine(partials)
        let prompt = try planner.encode(template, document: combined)
        if prompt.count <= planner.maxPromptTokens { return .final(prompt: prompt, truncated: false) }
        let ids = planner.documentTokens(combined)
        if level >= maxLevels { return .final(prompt: try planner.truncated(template, ids), truncated: true) }
        let budget = try planner.documentBudget(template)
        let groups = TokenChunker(maxTokens: budget).chunks(ids, tokenizer: planner.tokenizer)
        var prompts: [[Int]] = []
        for range in groups { prompts.append(try planner.prompt(template, ids, range)) }
        return .groups(prompts)
    }
}
