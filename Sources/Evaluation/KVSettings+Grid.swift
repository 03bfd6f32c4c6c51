import Foundation
import KVCaches

extension KVSettings {
    /// The settings an evaluation compares: the full cache once (at the first stride), then every
    /// other policy × budget × stride below 1, in the order given — each in encoding mode (only the
    /// prompt is compressed, EASYKV-SPEC §4). Budgets are fractions of the prompt in (0, 1].
    /// With several KV storage types (`kvTypes`, keys and values), the whole grid once per type,
    /// each with its own full cache.
    public static func evaluationGrid(
        policies: [PolicyName], budgets: [Double], strides: [Int], seed: UInt64 = 0,
        kvTypes: [(keys: KVFormat, values: KVFormat)] = [(.f32, .f32)]
    ) throws(EvaluationError) -> [KVSettings] {
        guard let first = strides.first else {
            throw EvaluationError.invalidSetting("--strides: give at least one stride")
        }
        if let bad = strides.first(where: { $0 < 1 }) {
            throw EvaluationError.invalidSetting("--strides: \(bad) must be at least 1")
        }
        if let bad = budgets.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw EvaluationError.invalidSetting(
                "--budgets: \(bad) is not a fraction of the prompt in (0, 1] (1 is the full cache)")
        }
        // Every evaluation compresses the prompt; a decoding-only policy would fail on its first
        // case, after the full-cache runs.
        if let bad = policies.first(where: { !$0.policy.evictsPrompt }) {
            throw EvaluationError.invalidSetting(
                "--policies: \(bad.rawValue) evicts generated tokens only (decoding mode); evaluations compress the prompt"
            )
        }
        guard !kvTypes.isEmpty else { throw EvaluationError.invalidSetting("--kv-types: give at least one type") }
        var out: [KVSettings] = []
        for types in kvTypes {
            var grid = [KVSettings.full(stride: first, seed: seed)]
            for policy in policies where policy != .full {
                for budget in budgets where budget < 1 {
                    for stride in strides {
                        grid.append(.encoding(policy: policy, budget: .fraction(budget), stride: stride, seed: seed))
                    }
                }
            }
            for var kv in grid {
                kv.keyFormat = types.keys
                kv.valueFormat = types.values
                do { try kv.validate() } catch { throw EvaluationError.invalidSetting("--kv-types: \(error.reason)") }
                out.append(kv)
            }
        }
        return out
    }

    /// The same from comma-separated lists (`full,recency,roco`, `0.5,0.25`, `64,128`, and KV
    /// types `f32,q8_0,q8_0/q4_0`: one type for keys and values, or keys/values).
    public static func evaluationGrid(
        policies: String, budgets: String, strides: String, seed: UInt64 = 0, kvTypes: String = "f32"
    ) throws(EvaluationError) -> [KVSettings] {
        var names: [PolicyName] = []
        for name in split(policies) {
            do { names.append(try PolicyName.named(name)) } catch {
                throw EvaluationError.invalidSetting("--policies: \(error)")
            }
        }
        var fractions: [Double] = []
        for text in split(budgets) {
            guard let value = Double(text), value.isFinite else {
                throw EvaluationError.invalidSetting("--budgets: '\(text)' is not a number")
            }
            fractions.append(value)
        }
        var strideValues: [Int] = []
        for text in split(strides) {
            guard let value = Int(text) else {
                throw EvaluationError.invalidSetting("--strides: '\(text)' is not an integer")
            }
            strideValues.append(value)
        }
        var types: [(keys: KVFormat, values: KVFormat)] = []
        for text in split(kvTypes) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2 else {
                throw EvaluationError.invalidSetting("--kv-types: '\(text)' is not a type or keys/values")
            }
            do {
                let keys = try KVFormat.named(parts[0], for: .keyType)
                types.append((keys, parts.count == 2 ? try KVFormat.named(parts[1], for: .valueType) : keys))
            } catch {
                throw EvaluationError.invalidSetting("--kv-types: \(error.reason)")
            }
        }
        return try evaluationGrid(
            policies: names, budgets: fractions, strides: strideValues, seed: seed, kvTypes: types)
    }

    static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The policy column of evaluation results: `full` for the full cache (and for the `full`
    /// policy under a budget's stride plan, which perplexity reports beside the budgeted runs).
    public var policyLabel: String { mode == .full || policy == .full ? PolicyName.full.rawValue : policy.rawValue }

    /// The policy column with the storage type when it is not fp32: `roco`, `roco [q8_0]`.
    public var policyAndTypeLabel: String {
        keyFormat == .f32 && valueFormat == .f32 ? policyLabel : "\(policyLabel) [\(formatLabel)]"
    }

    /// The fraction of the prompt the budget keeps: the x axis of evaluation charts (1 for the
    /// full cache).
    public var promptFraction: Double {
        guard mode != .full, case .fraction(let f) = budget else { return 1 }
        return min(f, 1)
    }
}
