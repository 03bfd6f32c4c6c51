/// Runs the KV budget of one sequence (EASYKV-SPEC §4–6) along a `KVPlan`: says when the
/// attention kernel must collect statistics, folds them into the running statistics after each
/// forward, and evicts. The model is not involved: tests drive it with hand-built statistics.
public final class BudgetController {
    public let plan: KVPlan
    public var settings: KVSettings { plan.settings }
    public var regime: KVRegime { plan.regime }
    public var promptLength: Int { plan.promptLength }
    /// Entries per (layer, head) the cache must hold.
    public var capacity: Int { plan.capacity }
    /// The prompt token ranges to forward, in order, as the reference plans them.
    public var forwards: [Range<Int>] { plan.forwards }
    /// `forwards` in stride-sized pieces (activation memory bounded by the stride).
    public var promptSteps: [Range<Int>] { plan.promptSteps }
    public private(set) var evictions = 0
    private let policy: any EvictionPolicy
    private var random: SplitMix64
    /// The scorer of a scored policy (`ScoredPolicy`), nil for EasyKV's policies.
    private let scorer: (any SlotScorer)?
    /// Entries per layer after the last prompt step's eviction: the next step's tokens start there.
    private var settledCounts: [Int] = []
    /// One head's scores while a scorer writes them. Shape: [capacity].
    private var scoreBuffer: [Float] = []

    public init(plan: KVPlan) {
        self.plan = plan
        policy = plan.settings.policy.policy
        random = SplitMix64(seed: plan.settings.seed)
        scorer = (policy as? ScoredPolicy)?.scorer
    }

    /// Plans `settings` for a prompt and makes its controller (tests and tools; the forward pass
    /// plans first so it can report why a plan fails).
    public convenience init(settings: KVSettings, promptLength: Int, maxNewTokens: Int, perplexity: Bool = false)
        throws(KVCacheError)
    {
        self.init(
            plan: try settings.plan(promptLength: promptLength, maxNewTokens: maxNewTokens, perplexity: perplexity))
    }

    /// Sets the counters the reference precomputes (spec §4.2, §5) before the first forward.
    public func prepare(_ cache: KVCache) {
        let counter = cache.runningStatistics.counter
        for layer in 0..<cache.layerCount {
            for head in 0..<cache.kvHeadCount {
                let base = cache.slotBase(layer: layer, head: head)
                switch regime {
                case .encoding(let p), .encodingDecoding(let p), .perplexity(let p):
                    for j in 0..<min(p.slots, cache.capacity) {
                        counter[base + j] = Float(settings.keepAttention ? p.idx - j : (j < p.idx ? 0 : p.idx - j))
                    }
                case .decoding(let b):
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
        guard policy.statistics != .none, let p = regime.plan else { return false }
        if let scorer { return scorer.inputs.attention }
        return cacheCountBefore + tokens > p.idx || settings.keepAttention
    }

    /// The probe rows prompt steps must run: those of a scored policy under a prompt-compressing
    /// plan, else none.
    public var probe: ProbeKind {
        guard regime.plan != nil, let scorer else { return .none }
        return scorer.inputs.probe
    }

    /// Whether each decode step must collect statistics.
    public var decodeCollectsStatistics: Bool {
        if scorer != nil { return false }
        switch regime {
        case .decoding, .encodingDecoding: return policy.statistics != .none
        case .full, .encoding, .perplexity: return false
        }
    }

    /// Folds statistics and evicts after a prompt forward (encoding-type modes).
    public func didForwardPrompt(cache: KVCache) {
        guard let p = regime.plan else { return }
        let n = cache.counts[0]
        if let scorer {
            score(cache, with: scorer)
            if n > p.idx {
                evict(
                    cache, count: n - p.idx, phase: .prefill, first: 0, recentWindow: p.recentWindow,
                    scope: p.rocoScope)
            }
            settledCounts = cache.counts
            return
        }
        if n > p.idx || settings.keepAttention {
            var encodingDecoding = false
            if case .encodingDecoding = regime { encodingDecoding = true }
            fold(cache, from: 0, averageLastRowOverHeads: !encodingDecoding)
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
        switch regime {
        case .decoding(let b):
            fold(cache, from: promptLength, averageLastRowOverHeads: false)
            guard n - promptLength > b, settings.policy != .full else { return }
            addToCounters(cache, from: promptLength, 1)
            let rw = Int((Double(b) * settings.decodingRecentRatio).rounded(.down))
            evict(cache, count: 1, phase: .decode, first: promptLength, recentWindow: rw, scope: b - rw)
        case .encodingDecoding(let p):
            fold(cache, from: 0, averageLastRowOverHeads: false)
            guard n > p.idx, settings.policy != .full else { return }
            addToCounters(cache, from: 0, 1)
            let rw = Int((Double(p.extendedBudget) * settings.decodingRecentRatio).rounded(.down))
            evict(
                cache, count: n - p.idx, phase: .decodeWholeCache, first: 0, recentWindow: rw,
                scope: p.extendedBudget - rw)
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
                case .scored:
                    break  // `score(_:with:)`
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

    /// Scores every (layer, head) after a prompt step and keeps the scores with the slots (S).
    func score(_ cache: KVCache, with scorer: any SlotScorer) {
        if settledCounts.count != cache.layerCount { settledCounts = Array(repeating: 0, count: cache.layerCount) }
        if scoreBuffer.count < cache.capacity { scoreBuffer = Array(repeating: 0, count: cache.capacity) }
        let step = cache.stepStatistics
        let run = cache.runningStatistics
        let probe = cache.cells.probeStatistics
        scoreBuffer.withUnsafeMutableBufferPointer { buffer in
            let scores = buffer.baseAddress!
            for layer in 0..<cache.layerCount {
                let n = cache.counts[layer]
                for head in 0..<cache.kvHeadCount {
                    let b = cache.slotBase(layer: layer, head: head)
                    let view = ScoringView(
                        layer: layer, head: head, layerCount: cache.layerCount, count: n,
                        fresh: min(settledCounts[layer], n)..<n, sink: settings.sink, headDim: cache.headDim,
                        keys: cache.keyPointer(layer: layer, head: head),
                        values: cache.valuePointer(layer: layer, head: head),
                        positions: cache.positionPointer(layer: layer, head: head), columnSum: step.columnSum + b,
                        lastRow: step.lastRow + b, kvHeadCount: cache.kvHeadCount, headStride: cache.capacity,
                        probe: probe?.rows(base: b), previous: run.sum + b)
                    scorer.score(view, into: scores)
                    (run.sum + b).update(from: scores, count: n)
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
                phase: phase, count: count, first: first, end: cache.counts[layer], sink: settings.sink,
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
