/// One prompt's cache laid out: the regime it runs, the capacity to allocate, and the forwards to
/// make. Made by `KVSettings.plan(promptLength:maxNewTokens:perplexity:contextLength:)`, which
/// throws `KVCacheError.cannotPlan` with the reason when the settings cannot run this prompt.
public struct KVPlan: Sendable, Equatable {
    /// The settings as asked.
    public let settings: KVSettings
    /// What runs.
    public let regime: KVRegime
    public let promptLength: Int
    /// Entries per (layer, KV head) the cache must hold.
    public let capacity: Int
    /// Why `regime` is the full cache although the settings ask for a budget; nil otherwise.
    public let fallback: String?

    /// The settings that actually run: the mode of the regime, and for the full cache the `full`
    /// policy with the whole prompt as budget (what output records report).
    public var effective: KVSettings {
        var s = settings
        s.mode = regime.mode
        if regime == .full {
            s.policy = .full
            s.budget = .fraction(1)
        }
        return s
    }

    /// The prompt token ranges to forward, as the reference plans them (the prefix `[0, rIdx)`
    /// is one forward; without a plan, stride-sized pieces).
    public var forwards: [Range<Int>] {
        regime.plan?.forwards ?? Self.pieces(0..<promptLength, settings.stride)
    }

    /// `forwards` with every range longer than the stride cut into stride-sized pieces, so
    /// activation memory is bounded by the stride. Equivalent: the prefix has no eviction, and
    /// its statistics (column sums; TOVA's last row) come out the same in pieces.
    public var promptSteps: [Range<Int>] { forwards.flatMap { Self.pieces($0, settings.stride) } }

    static func pieces(_ r: Range<Int>, _ s: Int) -> [Range<Int>] {
        Swift.stride(from: r.lowerBound, to: r.upperBound, by: s).map { $0..<min($0 + s, r.upperBound) }
    }
}

extension KVSettings {
    /// Lays out a prompt of `promptLength` tokens followed by up to `maxNewTokens` generated
    /// ones (0 for perplexity, which sets `perplexity`), or throws `cannotPlan` saying why not.
    ///
    /// A prompt no longer than one stride whose budget is below one stride (spec bug B9, which
    /// the reference cannot lay out) runs with the full cache, recorded in `fallback`: it has
    /// nothing to evict before generation and stays within budget + stride. With
    /// `contextLength`, a regime that keeps the whole prompt (full, decoding) must fit the
    /// model's context: an error suggesting a budget, before anything is allocated.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public func plan(promptLength L: Int, maxNewTokens: Int, perplexity: Bool = false, contextLength: Int? = nil)
        throws(KVCacheError) -> KVPlan
    {
        try validate(contextLength: contextLength)
        guard L >= 1 else { throw .cannotPlan("empty prompt") }
        guard maxNewTokens >= 0 else { throw .cannotPlan("negative number of tokens to generate") }
        if perplexity && mode == .decoding {
            throw .cannotPlan("perplexity runs in encoding mode; a decoding budget keeps the whole text")
        }
        let s = stride
        var fallback: String?
        var regime: KVRegime
        do {
            regime = try resolve(promptLength: L, perplexity: perplexity)
        } catch let error where L <= s {
            regime = .full
            fallback = "\(error.description); a prompt within one stride runs with the full cache"
        }
        if regime.compressesPrompt && !policy.policy.evictsPrompt {
            throw .cannotPlan(
                "policy '\(policy.rawValue)' evicts generated tokens only (decoding mode); this budget compresses the prompt"
            )
        }
        if !policy.policy.evictsGenerated {
            switch regime {
            case .decoding, .encodingDecoding:
                throw .cannotPlan(
                    "policy '\(policy.rawValue)' scores prompt steps only; this budget evicts generated tokens (use --kv-mode encoding)"
                )
            default: break
            }
        }
        if keepAttention, case .decoding = regime {
            throw .cannotPlan("--keep-attention applies to encoding-type modes only")
        }
        let generated = perplexity ? 0 : maxNewTokens
        let whole = L + generated
        let capacity: Int
        switch regime {
        case .full: capacity = whole
        case .decoding(let keep): capacity = policy == .full ? whole : L + min(keep + 1, max(generated, 1))
        case .encoding(let p): capacity = policy == .full ? whole : max(p.slots, p.idx + generated)
        case .encodingDecoding(let p), .perplexity(let p): capacity = policy == .full ? whole : p.slots
        }
        if let contextLength {
            switch regime {
            case .full, .decoding:
                let needed = regime == .full ? whole : L
                guard needed <= contextLength else {
                    throw .cannotPlan(
                        "the prompt (\(L) tokens)\(regime == .full && generated > 0 ? " plus \(generated) to generate" : "") exceeds the model's context of \(contextLength) tokens with the whole prompt cached; shorten it or set a KV budget (e.g. --kv-mode encoding --budget 0.25)"
                    )
                }
            default: break
            }
        }
        return KVPlan(settings: self, regime: regime, promptLength: L, capacity: capacity, fallback: fallback)
    }

    /// The regime for a prompt of `L` tokens (EASYKV-SPEC §1.3).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    private func resolve(promptLength L: Int, perplexity: Bool) throws(KVCacheError) -> KVRegime {
        if mode == .full { return .full }
        if perplexity {
            // ppl runs in encoding mode whatever the mode says (§6).
            return try StridePlan.perplexity(
                promptLength: L, budget: budget, stride: stride, recentRatio: recentRatio, sink: sink
            ).map(KVRegime.perplexity) ?? .full
        }
        switch (mode, budget) {
        case (.full, _):
            return .full
        case (.encoding, _):
            return try StridePlan.encoding(
                promptLength: L, budget: budget, stride: stride, recentRatio: recentRatio, sink: sink
            ).map(KVRegime.encoding) ?? .full
        case (.decoding, .tokens(let b)):
            return .decoding(keep: b)
        case (.auto, .tokens(let b)):
            if b > L { return .decoding(keep: b - L) }
            return try StridePlan.encodingDecoding(
                promptLength: L, tokens: b, stride: stride, recentRatio: recentRatio, sink: sink
            ).map(KVRegime.encodingDecoding) ?? .full
        case (.decoding, .fraction), (.auto, .fraction):
            return .full  // validate() admits only fractions ≥ 1 here: the whole prompt
        }
    }
}
