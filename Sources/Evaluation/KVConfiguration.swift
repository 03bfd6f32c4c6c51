import Foundation
import KVCaches

/// One KV setting an evaluation compares: the full cache, or a policy at a budget (a fraction
/// of the prompt) with a prefill stride.
public struct KVConfiguration: Sendable, Hashable, CustomStringConvertible {
    public var policy: PolicyName
    /// Fraction of the prompt kept; 1 for the full cache.
    public var budget: Double
    public var stride: Int

    public init(policy: PolicyName, budget: Double, stride: Int) {
        self.policy = policy
        self.budget = budget
        self.stride = stride
    }

    /// The full cache (prefill in chunks of `stride`, nothing evicted).
    public static func full(stride: Int) -> KVConfiguration {
        KVConfiguration(policy: .full, budget: 1, stride: stride)
    }

    public var isFull: Bool { policy == .full || budget >= 1 }

    /// The cache settings: encoding mode (only the prompt is compressed, EASYKV-SPEC §4), or
    /// `full` mode for the full cache.
    public func settings(seed: UInt64) -> KVSettings {
        isFull
            ? KVSettings(mode: .full, budget: .fraction(1), stride: stride, policy: .full, seed: seed)
            : KVSettings(mode: .encoding, budget: .fraction(budget), stride: stride, policy: policy, seed: seed)
    }

    /// `full`, or `roco@0.5/s64`.
    public var description: String { isFull ? "full" : "\(policy.rawValue)@\(budget)/s\(stride)" }
}

/// The policies × budgets × strides an evaluation runs, with the full cache first.
public struct KVGrid: Sendable, Equatable {
    public var policies: [PolicyName]
    public var budgets: [Double]
    public var strides: [Int]

    /// Checks the lists: at least one stride, every stride ≥ 1, every budget a fraction in (0, 1].
    public init(policies: [PolicyName], budgets: [Double], strides: [Int]) throws(EvaluationError) {
        guard !strides.isEmpty else { throw EvaluationError.invalidSetting("--strides: give at least one stride") }
        if let bad = strides.first(where: { $0 < 1 }) {
            throw EvaluationError.invalidSetting("--strides: \(bad) must be at least 1")
        }
        if let bad = budgets.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw EvaluationError.invalidSetting(
                "--budgets: \(bad) is not a fraction of the prompt in (0, 1] (1 is the full cache)")
        }
        // Every evaluation compresses the prompt (encoding or ppl mode); a decoding-only policy
        // would fail on its first case, after the full-cache runs.
        if let bad = policies.first(where: { !$0.policy.supports(.encoding) || !$0.policy.supports(.perplexity) }) {
            throw EvaluationError.invalidSetting(
                "--policies: \(bad.rawValue) evicts generated tokens only (decoding mode); evaluations compress the prompt"
            )
        }
        self.policies = policies
        self.budgets = budgets
        self.strides = strides
    }

    /// Parses comma-separated lists (`full,recency,roco`, `0.5,0.25`, `64,128`).
    public init(policies: String, budgets: String, strides: String) throws(EvaluationError) {
        var names: [PolicyName] = []
        for name in Self.split(policies) {
            do { names.append(try PolicyName.named(name)) } catch {
                throw EvaluationError.invalidSetting("--policies: \(error)")
            }
        }
        var fractions: [Double] = []
        for text in Self.split(budgets) {
            guard let value = Double(text) else {
                throw EvaluationError.invalidSetting("--budgets: '\(text)' is not a number")
            }
            fractions.append(value)
        }
        var strideValues: [Int] = []
        for text in Self.split(strides) {
            guard let value = Int(text) else {
                throw EvaluationError.invalidSetting("--strides: '\(text)' is not an integer")
            }
            strideValues.append(value)
        }
        try self.init(policies: names, budgets: fractions, strides: strideValues)
    }

    static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The full cache once (at the first stride), then every other policy × budget × stride
    /// below 1, in the order given.
    public var configurations: [KVConfiguration] {
        var out = [KVConfiguration.full(stride: strides[0])]
        for policy in policies where policy != .full {
            for budget in budgets where budget < 1 {
                for stride in strides { out.append(KVConfiguration(policy: policy, budget: budget, stride: stride)) }
            }
        }
        return out
    }
}
