import KVCaches
import Testing

/// The scored policies (`ScoredPolicy` over each `SlotScorer`) on hand-built keys and probe
/// statistics whose victims are known in advance.
///
/// The picture of every case: encoding, L = 32, s = 4, a budget of 20 tokens, recent ratio 0.5,
/// sink 4: B′ = idx = 24, rw = 12; forwards [0, 20) (the prefix), [20, 24), then [24, 28) evicts
/// 4 slots of [4, 16) per (layer, head), and [28, 32) 4 more.
@Suite struct ScoredPolicyTests {
    static func settings(_ policy: PolicyName) -> KVSettings {
        KVSettings(mode: .encoding, budget: .tokens(20), stride: 4, policy: policy, recentRatio: 0.5)
    }

    /// Writes key `[norm(l, h, position), 0]` for the step's slots (the rig's keys replaced).
    static func keys(_ norm: @escaping (Int, Int, Int) -> Float) -> (ForwardRig, Range<Int>) -> Void {
        { rig, range in
            for l in 0..<rig.layers {
                let n = rig.cache.counts[l]
                for h in 0..<rig.heads {
                    let k = rig.cache.keyPointer(layer: l, head: h)
                    for slot in (n - range.count)..<n {
                        let position = Int(rig.cache.positionPointer(layer: l, head: h)[slot])
                        k[slot * 2] = norm(l, h, position)
                        k[slot * 2 + 1] = 0
                    }
                }
            }
        }
    }

    /// Writes the probe statistics of a step: `sum` for every slot, `maximum` for every slot too
    /// (the restricted kernel sets only fresh ones; scorers must not read the others).
    static func probe(sum: @escaping (Int, Int, Int) -> Float, maximum: @escaping (Int, Int, Int) -> Float)
        -> (ForwardRig, Range<Int>) -> Void
    {
        { rig, _ in
            let stats = rig.cache.cells.probeStatistics!
            for l in 0..<rig.layers {
                for h in 0..<rig.heads {
                    let rows = stats.rows(base: rig.cache.slotBase(layer: l, head: h))
                    let p = rig.cache.positionPointer(layer: l, head: h)
                    for slot in 0..<rig.cache.counts[l] {
                        rows.sum[slot] = sum(l, h, Int(p[slot]))
                        rows.maximum[slot] = maximum(l, h, Int(p[slot]))
                    }
                }
            }
        }
    }

    /// knorm keeps the smallest key norms: the largest go, per head; the sink and the recent
    /// window stay whatever their norm. Scores exist from the prefix on (−‖k‖ of every slot).
    @Test func keyNormEvictsTheLargestNorms() throws {
        let rig = try ForwardRig(Self.settings(.knorm), promptLength: 32)
        // Victims per (layer, head) get norm 9; sink and window slots get 50 (protected); the rest 1 + position/100.
        let victims = [[4, 7, 9, 15], [5, 6, 12, 13], [8, 10, 11, 14], [4, 5, 6, 7]]
        let norm: (Int, Int, Int) -> Float = { l, h, position in
            if victims[l * 2 + h].contains(position) { return 9 }
            if position < 4 || position >= 16 { return 50 }
            return 1 + Float(position) / 100
        }
        #expect(try rig.promptForward(afterAppend: Self.keys(norm)).isNothing)
        #expect(!rig.lastCollected)  // knorm needs no attention
        // Scored from the first token: the prefix's 20 slots already carry −‖k‖.
        for (index, sums) in rig.sums().enumerated() {
            let (l, h) = (index / 2, index % 2)
            #expect(sums == (0..<20).map { -norm(l, h, $0) })
        }
        #expect(try rig.promptForward(afterAppend: Self.keys(norm)).isNothing)
        let evicted = try rig.promptForward(afterAppend: Self.keys(norm))
        #expect(evicted == victims)
        #expect(rig.cache.counts == [24, 24])
    }

    /// probe: the question rows' attention, max-pooled over 7 neighbouring slots. The slot the
    /// question attends to least sits next to its favourite and survives; a run of low slots
    /// away from any peak goes (ties to the lowest slot). Each step scores afresh.
    @Test func probeKeepsTheNeighboursOfWhatTheQuestionReads() throws {
        let rig = try ForwardRig(Self.settings(.probe), promptLength: 32, probes: true)
        #expect(rig.controller.probe == .question)
        // Positions 0…11 get 0.1, 13 gets 0.01 beside the peak at 14 (0.9), the rest 0.5.
        func first(_ l: Int, _ h: Int, _ p: Int) -> Float { p == 14 ? 0.9 : p == 13 ? 0.01 : p < 12 ? 0.1 : 0.5 }
        let step = Self.probe(sum: first, maximum: { _, _, _ in 0 })
        try rig.promptForward(afterAppend: step)
        try rig.promptForward(afterAppend: step)
        // Pooled: slots 4…8 see only 0.1 within ±3 (9 sees 12); 13 sees 14.
        let evicted = try rig.promptForward(afterAppend: step)
        #expect(evicted == Array(repeating: [4, 5, 6, 7], count: 4))
        // The next step's question reads differently: positions 12…19 (slots 8…15 now, as 4…7
        // went) get 0.01, the rest 0.5. Pooled over ±3 slots only slots 11 and 12 (positions 15,
        // 16) see nothing but lows; the other two victims are 0.5-ties, the lowest slots (8, 9).
        func second(_ l: Int, _ h: Int, _ p: Int) -> Float { (12...19).contains(p) ? 0.01 : 0.5 }
        let later = try rig.promptForward(afterAppend: Self.probe(sum: second, maximum: { _, _, _ in 0 }))
        #expect(later == Array(repeating: [8, 9, 15, 16], count: 4))
    }

    /// kvzip: a slot is scored once, when its step repeats it (the maximum the restricted
    /// softmax gave it), and keeps that score; later steps' values for older slots are ignored.
    @Test func reconstructionScoresOnceAndKeeps() throws {
        let rig = try ForwardRig(Self.settings(.kvzip), promptLength: 32, probes: true)
        #expect(rig.controller.probe == .reconstruction)
        let victims = [[4, 6, 8, 10], [5, 7, 9, 11], [12, 13, 14, 15], [4, 5, 14, 15]]
        // At their own step, victims score 0.01 and sink slots 0.001 (protected anyway).
        try rig.promptForward(
            afterAppend: Self.probe(
                sum: { _, _, _ in 0 },
                maximum: { l, h, p in p < 4 ? 0.001 : victims[l * 2 + h].contains(p) ? 0.01 : 0.5 }))
        // Afterwards every old slot is reported at 0 and the fresh ones at 0.7: only fresh count.
        let later = Self.probe(sum: { _, _, _ in 0 }, maximum: { _, _, p in p >= 20 ? 0.7 : 0 })
        try rig.promptForward(afterAppend: later)
        #expect(try rig.promptForward(afterAppend: later) == victims)
        for sums in rig.sums() { #expect(sums.suffix(8).allSatisfy { $0 == 0.7 }) }
    }

    /// tova_fixed: the last query's attention averaged over the layer's KV heads, scored from the
    /// prefix on. A slot one head ignores but the other favours (position 6 in layer 0, head 1)
    /// survives: the heads of a layer drop the same tokens. EasyKV's `tova` on the same picture
    /// drops the same victims (its score is replaced at every step, so the un-scored prefix
    /// changes nothing in encoding mode).
    @Test func lastQueryMatchesTOVA() throws {
        let victims = [[5, 8, 9, 14], [4, 10, 11, 12]]
        let lastRow: LastRow = { l, h, key in
            if victims[l].contains(key) { return 0.1 }
            if l == 0 && key == 6 { return h == 0 ? 1.9 : 0 }
            return 1
        }
        let fixed = try ForwardRig(Self.settings(.tovaFixed), promptLength: 32)
        let easyKV = try ForwardRig(Self.settings(.tova), promptLength: 32)
        try fixed.promptForward(lastRow: lastRow)
        try easyKV.promptForward(lastRow: lastRow)
        #expect(fixed.lastCollected && !easyKV.lastCollected)
        // Scored from the first token: the prefix's slots already carry the layer mean.
        for (index, sums) in fixed.sums().enumerated() {
            let l = index / 2
            #expect(sums == (0..<20).map { (lastRow(l, 0, $0) + lastRow(l, 1, $0)) / 2 })
        }
        try fixed.promptForward(lastRow: lastRow)
        try easyKV.promptForward(lastRow: lastRow)
        let evicted = try fixed.promptForward(lastRow: lastRow)
        #expect(evicted == [victims[0], victims[0], victims[1], victims[1]])
        #expect(try easyKV.promptForward(lastRow: lastRow) == evicted)
    }

    /// Peak slots stay within idx + s in every scored policy, stride and budget, and the prompt
    /// ends at idx (EASYKV-SPEC §4.1's arithmetic, unchanged).
    @Test(arguments: [PolicyName.knorm, .probe, .kvzip, .tovaFixed], [(40, 4, 12), (100, 8, 30), (97, 16, 50)])
    func peakWithinBudgetPlusStride(_ policy: PolicyName, _ shape: (Int, Int, Int)) throws {
        let (length, stride, budget) = shape
        let settings = KVSettings(mode: .encoding, budget: .tokens(budget), stride: stride, policy: policy)
        let rig = try ForwardRig(settings, promptLength: length, probes: policy.probe != .none)
        let plan = try #require(rig.controller.regime.plan)
        var peak = 0
        while !rig.promptDone {
            let step =
                policy.probe == .none
                ? Self.keys { _, h, p in Float((p * 7 + h) % 11) }
                : Self.probe(sum: { _, _, p in Float(p % 7) }, maximum: { _, h, p in Float((p + h) % 5) })
            try rig.promptForward(afterAppend: step)
            peak = max(peak, rig.lastBefore.map(\.count).max()!)
        }
        #expect(peak <= plan.idx + stride)
        #expect(rig.cache.peakCount <= plan.idx + stride)
        #expect(rig.cache.counts == [plan.idx, plan.idx])
        // The sink survives.
        for kept in rig.kept() { #expect(Array(kept.prefix(4)) == [0, 1, 2, 3]) }
    }

    /// Scored policies compress prompts only, probes need true positions, and scorers read fp32
    /// rows: refused up front.
    @Test(arguments: [PolicyName.knorm, .probe, .kvzip, .tovaFixed])
    func refusedWhereTheyCannotRun(_ policy: PolicyName) throws {
        let decoding = #expect(throws: KVCacheError.self) {
            try KVSettings(mode: .decoding, budget: .tokens(10), policy: policy).validate()
        }
        #expect(decoding?.description.contains("--kv-mode encoding") == true)
        let auto = #expect(throws: KVCacheError.self) {
            _ = try KVSettings(mode: .auto, budget: .tokens(20), stride: 4, policy: policy).plan(
                promptLength: 40, maxNewTokens: 4)
        }
        #expect(auto?.description.contains(policy.rawValue) == true)
        let streaming = KVSettings(
            mode: .encoding, budget: .fraction(0.5), stride: 4, policy: policy, streamingPositions: true)
        if policy.probe == .none {
            try streaming.validate()
        } else {
            #expect(throws: KVCacheError.self) { try streaming.validate() }
        }
        let quantized = KVSettings(
            mode: .encoding, budget: .fraction(0.5), stride: 4, policy: policy, keyFormat: .q8_0, valueFormat: .q8_0)
        let refusal = #expect(throws: KVCacheError.self) { try quantized.validate() }
        #expect(refusal?.description.contains("use f32") == true)
    }
}
