import ArgumentParser
import KVCaches

extension KVMode: ExpressibleByArgument {}

extension Budget: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// The KV-budget flags of `generate` (issue 5), read into the one settings type.
struct KVOptions: ParsableArguments {
    @Option(name: .customLong("kv-mode"), help: "full | encoding | decoding | auto.")
    var mode: KVMode = .full

    @Option(
        help: ArgumentHelp(
            "A fraction of the prompt (0.5, 1.0) or a token count (512).",
            discussion: "encoding takes either; decoding and auto take a token count."))
    var budget: Budget?

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

    @Option(
        name: .customLong("kv-type"),
        help: "How the cache stores keys and values: \(KVFormat.keyFormats.map(\.rawValue).joined(separator: ", ")).")
    var kvType = "f32"

    @Option(
        name: .customLong("kv-value-type"),
        help: "Values only (default: --kv-type): \(KVFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kvValueType: String?

    /// The validated settings; errors name the flag. What depends on the prompt (the stride plan)
    /// and on the model (its context) is checked when the prompt is planned.
    func settings() throws -> KVSettings {
        if budget == nil && mode != .full { throw ValidationError("--kv-mode \(mode.rawValue) needs --budget") }
        let policyName: PolicyName
        do { policyName = try PolicyName.named(policy) } catch { throw ValidationError("--policy: \(error)") }
        let keyFormat: KVFormat
        var valueFormat: KVFormat
        do {
            keyFormat = try KVFormat.named(kvType, for: .keyType)
            valueFormat = keyFormat
            if let kvValueType { valueFormat = try KVFormat.named(kvValueType, for: .valueType) }
        } catch { throw ValidationError(error.description) }
        let kv = KVSettings(
            mode: mode, budget: budget ?? .fraction(1), stride: stride, policy: policyName, sink: sink,
            recentRatio: recentRatio, keepAttention: keepAttention, streamingPositions: streamingPositions,
            seed: kvSeed, keyFormat: keyFormat, valueFormat: valueFormat)
        do { try kv.validate() } catch { throw ValidationError(error.description) }
        return kv
    }
}
