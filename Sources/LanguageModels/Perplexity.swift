import KVCaches
import Kernels

/// A perplexity measurement.
public struct PerplexityResult: Sendable, Equatable {
    public var perplexity: Double
    /// Sum of −log p(token | earlier tokens) over the scored tokens.
    public var negativeLogLikelihood: Double
    /// Tokens scored.
    public var scoredTokens: Int
    /// Entries per (layer, head) at the end (EasyKV's `kept`).
    public var keptTokens: Int
    /// Peak key and value bytes.
    public var kvBytes: Int
}

extension LanguageModel {
    /// Perplexity of `tokens` (EASYKV-SPEC §6 `ppl` mode). With a budget that covers the text
    /// (`full`, or a budget ≥ 1.0, or any integer budget — spec §1.3) every token `1..<N` is
    /// scored given all earlier ones. Under a fractional budget the text goes through the stride
    /// plan with eviction after each chunk, and the logits of positions `[rIdx, N−2]` score the
    /// tokens after them, as the reference does.
    public func perplexity(of tokens: [Int], kv: KVSettings) throws(ModelError) -> PerplexityResult {
        guard tokens.count >= 2 else { throw ModelError.invalidArgument("perplexity needs at least 2 tokens") }
        let plan: KVPlan
        do {
            plan = try kv.plan(
                promptLength: tokens.count, maxNewTokens: 0, perplexity: true,
                contextLength: configuration.contextLength)
        } catch {
            throw ModelError.kvPlan(error)
        }
        let controller = BudgetController(plan: plan)
        let cache = try makeCache(for: plan)
        controller.prepare(cache)
        let firstScored = plan.regime.plan?.rIdx ?? 0
        var nll = 0.0
        var scored = 0
        let vocab = configuration.vocabSize
        for range in controller.promptSteps {
            let wantLogits = range.upperBound > firstScored
            let step = SequenceStep(
                cache: cache, tokens: Array(tokens[range]), positions: Array(range), logits: wantLogits ? .all : .none,
                collectStatistics: controller.collectsStatistics(tokens: range.count, cacheCountBefore: cache.counts[0])
            )
            let logits = try forward([step])[0]
            controller.didForwardPrompt(cache: cache)
            guard wantLogits else { continue }
            logits.withUnsafeBufferPointer { all in
                for (row, t) in range.enumerated() where t >= firstScored && t + 1 < tokens.count {
                    let l = all.baseAddress! + row * vocab
                    nll += Softmax.logSumExp(l, count: vocab) - Double(l[tokens[t + 1]])
                    scored += 1
                }
            }
        }
        return PerplexityResult(
            perplexity: exp(nll / Double(scored)), negativeLogLikelihood: nll, scoredTokens: scored,
            keptTokens: cache.counts[0], kvBytes: cache.peakBytes)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
