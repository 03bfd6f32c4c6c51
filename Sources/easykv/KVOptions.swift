import ArgumentParser
import KVCaches

/// The KV-budget flags shared by `generate` and the evaluation commands (issue 5).
struct KVOptions: ParsableArguments {
    @Option(name: .customLong("kv-mode"), help: "full | encoding | decoding | auto.")
    var mode: String = "full"

    @Option(help: "A fraction of the prompt in (0,1) (encoding), or a token count (decoding, auto, encoding).")
    var budget: String?

    @Option(help: "Prefill chunk size in tokens.")
    var stride: Int = 512

    @Option(help: "Eviction policy: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var policy: String = "roco"

    @Option(help: "Protected tokens at the front in encoding prefill.")
    var sink: Int = 4

    @Option(name: .customLong("recent-ratio"), help: "Encoding recent window as a fraction of the budget.")
    var recentRatio: Double = 0.1

    @Flag(name: .customLong("keep-attention"), help: "Seed eviction statistics with the prefix forward's attention.")
    var keepAttention = false

    @Flag(
        name: .customLong("streaming-positions"), help: "Renumber positions contiguously after eviction (StreamingLLM)."
    )
    var streamingPositions = false

    @Option(name: .customLong("kv-seed"), help: "Seed of the random policy.")
    var kvSeed: UInt64 = 0

    /// The validated settings; errors name the flag.
    func settings() throws -> KVSettings {
        guard let mode = KVMode(rawValue: mode) else {
            throw ValidationError(
                "--kv-mode '\(self.mode)' is not one of \(KVMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var parsedBudget = Budget.fraction(1)
        if let budget {
            guard let b = Budget(budget) else {
                throw ValidationError("--budget '\(budget)' is not a positive fraction or token count")
            }
            parsedBudget = b
        } else if mode != .full {
            throw ValidationError("--kv-mode \(mode.rawValue) needs --budget")
        }
        guard stride >= 1 else { throw ValidationError("--stride must be at least 1 (got \(stride))") }
        guard sink >= 0 else { throw ValidationError("--sink must not be negative (got \(sink))") }
        guard recentRatio >= 0, recentRatio < 1 else {
            throw ValidationError("--recent-ratio must be in [0, 1) (got \(recentRatio))")
        }
        let policyName: PolicyName
        do { policyName = try PolicyName.named(policy) } catch { throw ValidationError("--policy: \(error)") }
        return KVSettings(
            mode: mode, budget: parsedBudget, stride: stride, policy: policyName, sink: sink, recentRatio: recentRatio,
            keepAttention: keepAttention, streamingPositions: streamingPositions, seed: kvSeed)
    }
}
