import KVCaches

/// The token ids probe rows are made of (`ProbeKind`): the user's question, and the instruction
/// KVzip puts before each repeated piece of context. `LoadedModel.probeTokens(question:)` makes
/// them with the model's tokenizer.
public struct ProbeTokens: Sendable, Equatable {
    /// The question, without BOS; empty when there is none.
    public var question: [Int]
    /// "Repeat the previous context exactly." and a newline (KVzip's prompt, arXiv 2505.23416).
    public var repeatInstruction: [Int]

    public init(question: [Int] = [], repeatInstruction: [Int] = []) {
        self.question = question
        self.repeatInstruction = repeatInstruction
    }

    /// KVzip's reconstruction instruction, before the repeated tokens.
    public static let repeatText = "\n\nRepeat the previous context exactly.\n"

    /// The probe rows of the prompt step `range` of `prompt`, for `kind`, positioned right after
    /// the step; nil for `.none`.
    public func rows(_ kind: ProbeKind, step range: Range<Int>, of prompt: [Int], sink: Int) -> ProbeRows? {
        let tokens: [Int]
        switch kind {
        case .none: return nil
        case .question: tokens = question
        case .reconstruction: tokens = repeatInstruction + prompt[range]
        }
        let positions = Array(range.upperBound..<(range.upperBound + tokens.count))
        return ProbeRows(tokens: tokens, positions: positions, kind: kind, sink: sink)
    }

    /// Checks that `kind` has what it needs; the error names the policy and the way out.
    public func require(_ kind: ProbeKind, policy: PolicyName) throws(ModelError) {
        switch kind {
        case .none: return
        case .question:
            guard !question.isEmpty else {
                throw ModelError.invalidArgument(
                    "policy '\(policy.rawValue)' scores the cache by a question's attention: give a question (generate --question, task: answer, eval passkey)"
                )
            }
        case .reconstruction:
            guard !repeatInstruction.isEmpty else {
                throw ModelError.invalidArgument(
                    "policy '\(policy.rawValue)' needs the reconstruction instruction's tokens (LoadedModel.probeTokens)"
                )
            }
        }
    }
}
