/// How the KV cache of one sequence is budgeted (EASYKV-SPEC §1.2–1.3): the one settings type.
/// CLI flags, pipeline files, evaluation grids and output records all hold this; `validate`
/// checks what can be checked without a prompt, and `plan(promptLength:…)` lays out one prompt
/// (`KVPlan`) or says why it cannot run.
public struct KVSettings: Sendable, Hashable, Codable {
    public var mode: KVMode
    public var budget: Budget
    /// Prefill chunk size `s`. In `full` mode it only bounds activation memory.
    public var stride: Int
    public var policy: PolicyName
    /// Protected tokens at the front in encoding-type prefill (`temp_length`).
    public var sink: Int
    /// Encoding recent window = `floor(B' · recentRatio)`.
    public var recentRatio: Double
    /// Decoding recent window ratio (hard-coded 0.3 in the reference).
    public var decodingRecentRatio: Double
    /// Newest slots RoCo and the decay policy never evict (hard-coded 10 in the reference).
    public var protectedNewest: Int
    /// Seed the statistics with the prefix forward's attention (EASYKV-SPEC §4.2).
    public var keepAttention: Bool
    /// StreamingLLM positions: renumber contiguously after eviction (§2.3).
    public var streamingPositions: Bool
    /// Seed for the `random` policy.
    public var seed: UInt64
    /// How keys are stored: fp32 or q8_0 (issue 15). Any policy and mode runs in any format.
    public var keyFormat: KVFormat
    /// How values are stored: fp32, q8_0, q4_0 or q4_1.
    public var valueFormat: KVFormat

    public init(
        mode: KVMode = .full, budget: Budget = .fraction(1), stride: Int = 512, policy: PolicyName = .roco,
        sink: Int = 4, recentRatio: Double = 0.1, decodingRecentRatio: Double = 0.3, protectedNewest: Int = 10,
        keepAttention: Bool = false, streamingPositions: Bool = false, seed: UInt64 = 0, keyFormat: KVFormat = .f32,
        valueFormat: KVFormat = .f32
    ) {
        self.mode = mode
        self.budget = budget
        self.stride = stride
        self.policy = policy
        self.sink = sink
        self.recentRatio = recentRatio
        self.decodingRecentRatio = decodingRecentRatio
        self.protectedNewest = protectedNewest
        self.keepAttention = keepAttention
        self.streamingPositions = streamingPositions
        self.seed = seed
        self.keyFormat = keyFormat
        self.valueFormat = valueFormat
    }

    /// The full cache, prefilled in chunks of `stride`.
    public static func full(stride: Int = 512, seed: UInt64 = 0) -> KVSettings {
        KVSettings(mode: .full, budget: .fraction(1), stride: stride, policy: .full, seed: seed)
    }

    /// Only the prompt compressed (encoding mode, EASYKV-SPEC §4) by `policy` to `budget`.
    public static func encoding(policy: PolicyName, budget: Budget, stride: Int, seed: UInt64 = 0) -> KVSettings {
        KVSettings(mode: .encoding, budget: budget, stride: stride, policy: policy, seed: seed)
    }

    /// Whether nothing is ever evicted, whatever the prompt: `full` mode, the `full` policy, or a
    /// budget of the whole prompt (EASYKV-SPEC §1.3).
    public var isFull: Bool {
        switch (mode, budget) {
        case (.full, _): return true
        case (_, .fraction(let f)) where f >= 1: return true
        default: return policy == .full
        }
    }

    /// `full`, or `roco@0.5/s64`; with quantized storage `full/q8_0`, `roco@0.5/s64/q8_0`.
    public var label: String {
        let base = isFull ? "full" : "\(policy.rawValue)@\(budget)/s\(stride)"
        return keyFormat == .f32 && valueFormat == .f32 ? base : "\(base)/\(formatLabel)"
    }

    /// The most tokens any budget may name: beyond the model's context it means nothing, and a
    /// cache planned for it would be an absurd allocation (issue 16 §3).
    public static let maximumTokens = 1 << 24

    /// Checks everything that needs no prompt: ranges, mode against budget kind, and whether the
    /// policy can run in the mode. `contextLength` (the model's) bounds token budgets.
    public func validate(contextLength: Int? = nil) throws(KVCacheError) {
        guard stride >= 1, stride <= Self.maximumTokens else {
            throw .invalidSetting(.stride, "must be between 1 and \(Self.maximumTokens) (got \(stride))")
        }
        guard sink >= 0 else { throw .invalidSetting(.sink, "must not be negative (got \(sink))") }
        guard recentRatio >= 0, recentRatio < 1 else {
            throw .invalidSetting(.recentRatio, "must be in [0, 1) (got \(recentRatio))")
        }
        guard decodingRecentRatio >= 0, decodingRecentRatio < 1, protectedNewest >= 0 else {
            throw .invalidSetting(.recentRatio, "decoding recent ratio must be in [0, 1) and protected slots ≥ 0")
        }
        switch budget {
        case .fraction(let f):
            guard f > 0, f.isFinite else {
                throw .invalidSetting(.budget, "\(budget) is not a positive fraction of the prompt")
            }
            // Spec bug B6: the reference crashes on a float budget in decoding mode; auto needs a
            // token count too (§1.3).
            if mode == .decoding, f < 1 {
                throw .invalidSetting(
                    .budget, "decoding mode needs a token count (generated tokens kept), got \(budget)")
            }
            if mode == .auto, f < 1 {
                throw .invalidSetting(.budget, "auto mode needs a token count (total cache tokens), got \(budget)")
            }
        case .tokens(let t):
            guard t >= 1 else { throw .invalidSetting(.budget, "must be at least 1 token (got \(t))") }
            let limit = contextLength ?? Self.maximumTokens
            guard t <= limit else {
                let what = contextLength.map { "the model's context of \($0) tokens" } ?? "\(limit) tokens"
                throw .invalidSetting(.budget, "\(t) tokens exceeds \(what)")
            }
        }
        // Token budgets may cover a short prompt; whether this one is compressed is the plan's call.
        if !policy.policy.evictsPrompt, mode == .encoding, case .fraction(let f) = budget, f < 1 {
            throw .invalidSetting(
                .policy, "'\(policy.rawValue)' evicts generated tokens only: use --kv-mode decoding with a token budget"
            )
        }
        if keepAttention && mode == .decoding {
            throw .invalidSetting(.keepAttention, "applies to encoding-type modes only")
        }
        guard KVFormat.keyFormats.contains(keyFormat) else {
            throw .invalidSetting(
                .keyType,
                "keys may be stored as \(KVFormat.keyFormats.map(\.rawValue).joined(separator: " or ")), not \(keyFormat) (4-bit types are for values: --kv-value-type)"
            )
        }
    }

    /// Checks the storage formats against a model's head dimension: quantized rows are blocks of
    /// 32 along it (64 and 128, Llama's and Mistral's, are; SmolLM2's 64 too).
    public func validate(headDim: Int) throws(KVCacheError) {
        for (setting, format) in [(KVCacheError.Setting.keyType, keyFormat), (.valueType, valueFormat)]
        where headDim % format.blockSize != 0 {
            throw .invalidSetting(
                setting,
                "\(format) stores blocks of \(format.blockSize) along the head dimension; this model's head dimension \(headDim) is not a multiple of \(format.blockSize) (use f32)"
            )
        }
    }

    /// The storage formats in one word: `f32`, `q8_0`, or keys/values when they differ (`q8_0/q4_0`).
    public var formatLabel: String {
        keyFormat == valueFormat ? keyFormat.rawValue : "\(keyFormat.rawValue)/\(valueFormat.rawValue)"
    }
}

/// When the cache is budgeted, as asked (EASYKV-SPEC §1.1, §6). What one prompt actually runs is
/// its `KVRegime`.
public enum KVMode: String, Sendable, CaseIterable, Codable {
    /// No budget: the cache holds the whole prompt and every generated token.
    case full
    /// Only the prompt is compressed, in stride-sized chunks; generated tokens are appended.
    case encoding
    /// The prompt is kept; at most `budget` generated tokens stay.
    case decoding
    /// `budget` is the total cache size: decoding if it exceeds the prompt, else
    /// encoding-then-decoding with eviction at every step.
    case auto
}

/// A KV budget: a fraction of the prompt, or a number of tokens. Encoded as `{"fraction": 0.5}`
/// or `{"tokens": 512}` (a JSON number alone cannot tell the fraction 1.0 from 1 token); decoded
/// from those or from a bare number as output records write it (an integral number is tokens).
public enum Budget: Sendable, Hashable, Codable, CustomStringConvertible {
    case fraction(Double)
    case tokens(Int)

    private enum CodingKeys: String, CodingKey {
        case fraction, tokens
    }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: CodingKeys.self) {
            if let f = try keyed.decodeIfPresent(Double.self, forKey: .fraction) {
                self = .fraction(f)
                return
            }
            self = .tokens(try keyed.decode(Int.self, forKey: .tokens))
            return
        }
        let single = try decoder.singleValueContainer()
        let value = try single.decode(Double.self)
        self = value.rounded() == value && value >= 1 && value < 1e15 ? .tokens(Int(value)) : .fraction(value)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .fraction(let f): try c.encode(f, forKey: .fraction)
        case .tokens(let t): try c.encode(t, forKey: .tokens)
        }
    }

    /// Parses the text of a flag: `0.5` or `1.0` (with a decimal point or an exponent) is a
    /// fraction, `300` a token count. Nil for anything else (`0x10`, `inf`, empty, ≤ 0).
    public init?(_ text: String) {
        let digits = text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        if digits, let i = Int(text), i > 0 {
            self = .tokens(i)
            return
        }
        // Only decimal notation: Swift's Double(_:) also reads hex ("0x10") and "inf".
        let decimal = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || Self.decimalMarks.contains($0) }
        guard !digits, decimal, let d = Double(text), d > 0, d.isFinite else { return nil }
        self = .fraction(d)
    }

    /// `.`, `e`, `E`, `+`, `-`.
    private static let decimalMarks: Set<UInt8> = [0x2E, 0x65, 0x45, 0x2B, 0x2D]

    /// The budget as a JSON number: `0.5`, `1.0` (a fraction always has a decimal point), `512`.
    public var jsonNumber: String {
        switch self {
        case .fraction(let f): return "\(f)"
        case .tokens(let t): return String(t)
        }
    }

    public var description: String { jsonNumber }
}
