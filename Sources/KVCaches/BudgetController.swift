/// Runs the KV budget of one sequence (EASYKV-SPEC §4–6): plans the prompt forwards, says when
/// the attention kernel must collect statistics, folds them into the running statistics after
/// each forward, and evicts. The model is not involved: tests drive it with hand-built
/// statistics.
public final class BudgetController {
    public let settings: KVSettings
    public let kind: ControllerKind
    public let promptLength: Int
    /// The prefill plan (nil for `full`, `decoding`, and budgets that cover the prompt).
    public let plan: StridePlan?
    /// Generated tokens kept in decoding mode.
    public let decodingBudget: Int?
    /// Entries per (layer, head) the cache must hold.
    public let capacity: Int
    /// The prompt token ranges to forward, in order, as the reference plans them (the prefix
    /// `[0, rIdx)` is one forward).
    public let forwards: [Range<Int>]
    /// `forwards` with every range longer than the stride cut into stride-sized pieces, so
    /// activation memory is bounded by the stride. Equivalent: the prefix has no eviction, and
    /// its statistics (column sums; TOVA's last row) come out the same in pieces.
    public var promptSteps: [Range<Int>] {
        let s = settings.stride
        return forwards.flatMap { r in
            Swift.stride(from: r.lowerBound, to: r.upperBound, by: s).map { $0..<min($0 + s, r.upperBound) }
        }
    }
    public private(set) var evictions = 0
    private let policy: any EvictionPolicy
    private var random: SplitMix64

    /// - Parameter maxNewTokens: the most tokens generation may append (0 for perplexity).
    public init(settings: KVSettings, promptLength L: Int, maxNewTokens: Int, perplexity: Bool = false)
        throws(KVCacheError)
    {
        self.settings = settings
        promptLength = L
        policy = settings.policy.policy
        random = SplitMix64(seed: settings.seed)
        guard L >= 1 else { throw KVCacheError.invalidBudget("empty prompt") }
        guard settings.stride >= 1 else { throw KVCacheError.invalidBudget("stride must be at least 1") }
        let s = settings.stride

        var kind: ControllerKind
        var plan: StridePlan? = nil
        var decodingBudget: Int? = nil
        switch (settings.mode, settings.budget) {
        case (.full, _):
            kind = .full
        case (.encoding, _) where perplexity, (.auto, _) where perplexity:
            kind = .perplexity
            plan = try StridePlan.make(
                kind: .perplexity, promptLength: L, budget: settings.budget, stride: s,
                recentRatio: settings.recentRatio, sink: settings.sink)
        case (.encoding, _):
            kind = .encoding
            plan = try StridePlan.make(
                kind: .encoding, promptLength: L, budget: settings.budget, stride: s,
                recentRatio: settings.recentRatio, sink: settings.sink)
        case (.decoding, .tokens(let b)):
            kind = .decoding
            decodingBudget = b
        case (.decoding, .fraction(let f)):
            // Spec bug B6: the reference crashes on a float budget here.
            throw KVCacheError.invalidBudget("decoding mode needs an integer budget (generated tokens kept), got \(f)")
        case (.auto, .tokens(let b)):
            if b > L {
                kind = .decoding
                decodingBudget = b - L
            } else {
                kind = .encodingDecoding
                plan = try StridePlan.make(
                    kind: .encodingDecoding, promptLength: L, budget: settings.budget, stride: s,
                    recentRatio: settings.recentRatio, sink: settings.sink)
            }
        case (.auto, .fraction(let f)):
            throw KVCacheError.invalidBudget("auto mode needs an integer budget (total cache tokens), got \(f)")
        }
        if perplexity && kind == .decoding {
            throw KVCacheError.invalidBudget("perplexity runs in encoding mode; decoding budgets do not apply")
        }
        if (kind == .encoding || kind == .encodingDecoding || kind == .perplexity) && plan == nil {
            kind = .full  // the budget covers the prompt: one plain pass, nothing evicted
        }
        if settings.policy == .full && kind != .decoding && plan == nil { kind = .full }
        guard policy.supports(kind) else {
            throw KVCacheError.unsupported(
                "policy '\(settings.policy.rawValue)' is for decoding mode only (--kv-mode decoding with an integer budget)"
            )
        }
        if settings.keepAttention && kind == .decoding {
            throw KVCacheError.unsupported("--keep-attention applies to encoding-type modes only")
        }
        self.kind = kind
        self.plan = plan
        self.decodingBudget = decodingBudget

        switch kind {
        case .full, .decoding:
            forwards = Swift.stride(from: 0, to: L, by: s).map { $0..<min($0 + s, L) }
        case .encoding, .encodingDecoding, .perplexity:
            forwards = plan!.forwards
        }
        switch kind {
        case .full: capacity = L + maxNewTokens
        case .decoding:
            // `full` never evicts, so every generated token stays (spec §7.1).
            capacity = settings.policy == .full ? L + maxNewTokens : L + decodingBudget! + 1
        case .encoding:
            capacity = settings.policy == .full ? L + maxNewTokens : max(plan!.slots, plan!.idx + maxNewTokens)
        case .encodingDecoding, .perplexity: capacity = settings.policy == .full ? L + maxNewTokens : plan!.slots
        }
    }

    /// Sets the counters the reference precomputes (spec §4.2, §5) before the first forward.
    public func prepare(_ cache: KVCache) {
        let counter = cache.runningStatistics.counter
        for layer in 0..<cache.layerCount {
            for head in 0..<cache.kvHeadCount {
                let base = cache.slotBase(layer: layer, head: head)
                switch kind {
                case .encoding, .encodingDecoding, .perplexity:
                    let p = plan!
                    for j in 0..<min(p.slots, cache.capacity) {
                        counter[base + j] = Float(settings.keepAttention ? p.idx - j : (j < p.idx ? 0 : p.idx - j))
                    }
                case .decoding:
                    let b = decodingBudget!
                    for j in 0...b where promptLength + j < cache.capacity {
                        counter[base + promptLength + j] = Float(b - j)
                    }
                case .full: break
                }
            }
        }
    }

    /// Whether prompt forward `index` must collect attention statistics.
    public func collectsStatistics(forward index: Int, cacheCountBefore: Int) -> Bool {
        collectsStatistics(tokens: forwards[index].count, cacheCountBefore: cacheCountBefore)
    }

    /// Whether a prompt forward of `tokens` tokens must collect attention statistics.
    public func collectsStatistics(tokens: Int, cacheCountBefore: Int) -> Bool {
        guard policy.statistics != .none, let p = plan else { return false }
        return cacheCountBefore + tokens > p.idx || settings.keepAttention
    }

    /// Whether each decode step must collect statistics.
    public var decodeCollectsStatistics: Bool {
        policy.statistics != .none && (kind == .decoding || kind == .encodingDecoding)
    }

    /// Folds statistics and evicts after a prompt forward (encoding-type modes).
    public func didForwardPrompt(cache: KVCache) {
        guard let p = plan else { return }
        let n = cache.counts[0]
        if n > p.idx || settings.keepAttention {
            fold(cache, from: 0, averageLastRowOverHeads: kind != .encodingDecoding)
        }
        guard n > p.idx, settings.policy != .full else { return }
        addToCounters(cache, from: 0, Float(p.stride))
        evict(
            cache, count: n - p.idx, phase: .prefill, first: 0, recentWindow: p.recentWindow, scope: p.rocoScope)
        // Fresh slots for the next chunk: C = 0, −1, …, −(s−1) (spec §4.3).
        for layer in 0..<cache.layerCount {
            for head in 0..<cache.kvHeadCount {
                let base = cache.slotBase(layer: layer, head: head) + p.idx
                for m in 0..<p.stride where p.idx + m < cache.capacity {
                    cache.runningStatistics.counter[base + m] = Float(-m)
                }
            }
        }
    }

    /// Same as `didForwardPrompt(cache:)`; `index` is the forward's place in `forwards`.
    public func didForwardPrompt(_ index: Int, cache: KVCache) { didForwardPrompt(cache: cache) }

    /// Folds statistics and evicts after one decode step (decoding and encoding-decoding modes).
    public func didForwardDecode(cache: KVCache) {
        let n = cache.counts[0]
        switch kind {
        case .decoding:
            let b = decodingBudget!
            fold(cache, from: promptLength, averageLastRowOverHeads: false)
            guard n - promptLength > b, settings.policy != .full else { return }
            addToCounters(cache, from: promptLength, 1)
            let rw = Int((Double(b) * settings.decodingRecentRatio).rounded(.down))
            evict(cache, count: 1, phase: .decode, first: promptLength, recentWindow: rw, scope: b - rw)
        case .encodingDecoding:
            let p = plan!
            fold(cache, from: 0, averageLastRowOverHeads: false)
            guard n > p.idx, settings.policy != .full else { return }
            addToCounters(cache, from: 0, 1)
            let rw = Int((Double(p.extendedBudget) * settings.decodingRecentRatio).rounded(.down))
            evict(cache, count: n - p.idx, phase: .decode, first: 0, recentWindow: rw, scope: p.extendedBudget - rw)
        case .full, .encoding, .perplexity:
            return
        }
    }

    // MARK: - Folding and eviction

    /// Adds the kernel's step statistics for slots `[first, n)` into the running ones, as the
    /// policy needs them.
    func fold(_ cache: KVCache, from first: Int, averageLastRowOverHeads: Bool) {
        let step = cache.stepStatistics
        let run = cache.runningStatistics
        for layer in 0..<cache.layerCount {
            let n = cache.counts[layer]
            guard n > first else { continue }
            for head in 0..<cache.kvHeadCount {
                let b = cache.slotBase(layer: layer, head: head)
                switch policy.statistics {
                case .none: break
                case .sum:
                    for j in first..<n { run.sum[b + j] += step.columnSum[b + j] }
                case .sumAndSquares:
                    for j in first..<n {
                        run.sum[b + j] += step.columnSum[b + j]
                        run.squareSum[b + j] += step.columnSquareSum[b + j]
                    }
                case .lastRow:
                    if averageLastRowOverHeads {
                        // TOVA prefill: the last row averaged over the layer's KV heads.
                        for j in first..<n {
                            var a: Float = 0
                            for h in 0..<cache.kvHeadCount {
                                a += step.lastRow[cache.slotBase(layer: layer, head: h) + j]
                            }
                            run.sum[b + j] = a / Float(cache.kvHeadCount)
                        }
                    } else {
                        for j in first..<n { run.sum[b + j] = step.lastRow[b + j] }
                    }
                case .exponentialAverage:
                    let d = DecayAvgStdPolicy.decay
                    for j in first..<n {
                        let e = d * run.ema[b + j] + (1 - d) * step.columnSum[b + j]
                        run.ema[b + j] = e
                        run.emaSum[b + j] += e
                        run.emaSquareSum[b + j] += e * e
                    }
                }
            }
        }
    }

    func addToCounters(_ cache: KVCache, from first: Int, _ amount: Float) {
        for layer in 0..<cache.layerCount {
            for head in 0..<cache.kvHeadCount {
                let b = cache.slotBase(layer: layer, head: head)
                for j in first..<cache.counts[layer] { cache.runningStatistics.counter[b + j] += amount }
            }
        }
    }

    func evict(_ cache: KVCache, count: Int, phase: EvictionContext.Phase, first: Int, recentWindow: Int, scope: Int) {
        guard count > 0 else { return }
        evictions += 1
        let run = cache.runningStatistics
        func context(layer: Int, head: Int) -> EvictionContext {
            let b = cache.slotBase(layer: layer, head: head)
            return EvictionContext(
                kind: kind, phase: phase, count: count, first: first, end: cache.counts[layer], sink: settings.sink,
                recentWindow: recentWindow, scope: scope, protectedNewest: settings.protectedNewest,
                sum: run.sum + b, squareSum: run.squareSum + b, counter: run.counter + b, ema: run.ema + b,
                emaSum: run.emaSum + b, emaSquareSum: run.emaSquareSum + b)
        }
        if policy.evictsBlocks {
            let slots = policy.select(context(layer: 0, head: 0), random: &random)
            for layer in 0..<cache.layerCount {
                for head in 0..<cache.kvHeadCount { cache.remove(slots: slots, layer: layer, head: head) }
                cache.finishEviction(layer: layer, removed: slots.count)
            }
            return
        }
        for layer in 0..<cache.layerCount {
            for head in 0..<cache.kvHeadCount {
                let slots = policy.select(context(layer: layer, head: head), random: &random)
                precondition(slots.count == count, "policy returned \(slots.count) slots, expected \(count)")
                cache.remove(slots: slots, layer: layer, head: head)
            }
            cache.finishEviction(layer: layer, removed: count)
        }
    }
}
