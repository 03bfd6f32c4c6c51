import KVCaches
import Testing

/// The modes of the policy matrix.
enum MatrixMode: String, CaseIterable, Sendable {
    case encoding
    case decoding
    /// `auto` with an integer budget no larger than the prompt.
    case encodingDecoding
    case full
}

/// Every policy × mode on hand-drawn statistics whose evicted slots are known in advance
/// (EASYKV-SPEC §4, §5, §6, §7), plus the corner cases of §9 the issue names.
@Suite struct PolicyTests {
    // MARK: - Pictures

    /// Prefill (encoding and enc_dec): L = 32, s = 4, budget 20 tokens, recent ratio 0.5, sink 4:
    /// B′ = 24, idx = 24, rw = 12, RoCo k = max(24 − 12 − 4, 4) = 8. The first eviction comes after
    /// the forward [24, 28), over slots = positions 0…27, each counted by 4 queries (the 4 newest
    /// by 4…1). H2O/TOVA candidates: [4, 16). RoCo candidates: [4, 18) (sink and newest 10 out),
    /// 14 slots of which the 6 volatile ones (H, V) fall outside the scope of 8.
    ///   s sink (mean 0)          H H2O's victims (lowest mean, volatile: outside RoCo's scope)
    ///   V volatile (shielded)    R RoCo's victims (lowest mean among the stable)
    ///   F stable filler          f recent window for H2O, but RoCo candidates (mean 0.02)
    ///   z newest 10 (mean 0)
    static let prefill = Picture(
        [
            "ssss" + "HHHHVVRRRRFF" + "ff" + "zzzzzzzzzz",
            "ssss" + "RFFHHHHVVRRR" + "ff" + "zzzzzzzzzz",
            "ssss" + "VVRRRRFFHHHH" + "ff" + "zzzzzzzzzz",
            "ssss" + "HRHRHRHRVVFF" + "ff" + "zzzzzzzzzz",
        ],
        legend: [
            "s": (0, 0), "H": (0.002, 0.002), "V": (0.5, 0.4), "R": (0.01, 0), "F": (0.5, 0), "f": (0.02, 0),
            "z": (0, 0),
        ])

    /// TOVA's last rows for the same prefill. Head 0 of each layer marks its victims A (0.01),
    /// head 1 marks other victims B (0.3). Averaged over the layer's heads (encoding) A wins
    /// (0.505 < 0.65), so both heads drop head 0's A; per head (enc_dec) each drops its own.
    static let prefillLastRow = Picture(
        [
            "0000" + "AAAA........" + "00" + "0000000000",
            "0000" + "....BBBB...." + "00" + "0000000000",
            "0000" + "......AAAA.." + "00" + "0000000000",
            "0000" + "BB........BB" + "00" + "0000000000",
        ],
        legend: ["0": (0, 0), "A": (0.01, 0), "B": (0.3, 0), ".": (1, 0)])

    /// Decoding: prompt P = 6, budget B = 40: rw = 12, RoCo k = 28. The first eviction comes at
    /// the 41st generated token, over generated indices 0…40 (the picture's columns; slot j is
    /// counted by 41 − j queries). H2O candidates [0, 29); RoCo candidates [0, 31), 3 volatile.
    static let decodingPrompt = 6
    static let decoding = Picture(
        [
            decodingRow(h2o: 0, volatile: [5, 6], roco: 10),
            decodingRow(h2o: 28, volatile: [1, 20], roco: 2),
            decodingRow(h2o: 14, volatile: [3, 27], roco: 28),
            decodingRow(h2o: 7, volatile: [9, 11], roco: 8),
        ], offset: decodingPrompt, legend: prefill.legend)

    static func decodingRow(h2o: Int, volatile: [Int], roco: Int) -> String {
        var body = Array(repeating: Character("F"), count: 29)
        body[h2o] = "H"
        for v in volatile { body[v] = "V" }
        body[roco] = "R"
        return String(body) + "ff" + String(repeating: "z", count: 10)
    }

    /// TOVA in decoding, per head over every generated slot: (0,0) drops the token just
    /// generated (bug B8, kept), (0,1) an old one that the layer average would keep, (1,0) one
    /// inside what would be a recent window, (1,1) a tie everywhere → the lowest slot.
    static let decodingLastRow = Picture(
        [
            String(repeating: ".", count: 40) + "A",
            "..." + "B" + String(repeating: ".", count: 37),
            String(repeating: ".", count: 35) + "A" + ".....",
            String(repeating: ".", count: 41),
        ], offset: decodingPrompt, legend: prefillLastRow.legend)

    /// The decay policy in decoding: D gets a tiny constant attention (EMA ≈ 0, stable), the
    /// newest 10 get none (EMA 0, but protected), the rest 0.5.
    static let decodingDecay = Picture(
        [0, 30, 15, 29].map { d in
            var body = Array(repeating: Character("."), count: 31)
            body[d] = "D"
            return String(body) + String(repeating: "z", count: 10)
        }, offset: decodingPrompt, legend: [".": (0.5, 0), "D": (0.0001, 0), "z": (0, 0)])

    static func usesStatistics(_ p: PolicyName) -> Bool { ![.full, .random, .recency].contains(p) }

    // MARK: - The matrix

    @Test(arguments: PolicyName.allCases, MatrixMode.allCases)
    func firstEviction(policy: PolicyName, mode: MatrixMode) throws {
        try matrixCase(policy, mode, storage: (.f32, .f32))
    }

    /// The same with quantized storage (q8_0 keys, q4_0 values; issue 15): every policy and mode
    /// makes the same choices within the same budget, and the stored blocks move with their
    /// positions.
    @Test(arguments: PolicyName.allCases, MatrixMode.allCases)
    func firstEvictionWithQuantizedStorage(policy: PolicyName, mode: MatrixMode) throws {
        try matrixCase(policy, mode, storage: (.q8_0, .q4_0))
    }

    func matrixCase(_ policy: PolicyName, _ mode: MatrixMode, storage: (KVFormat, KVFormat)) throws {
        switch mode {
        case .encoding, .encodingDecoding: try prefillCase(policy, mode, storage)
        case .decoding: try decodingCase(policy, storage)
        case .full: try fullCase(policy, storage)
        }
    }

    func prefillCase(_ policy: PolicyName, _ mode: MatrixMode, _ storage: (KVFormat, KVFormat)) throws {
        let settings = KVSettings(
            mode: mode == .encoding ? .encoding : .auto, budget: .tokens(20), stride: 4, policy: policy,
            recentRatio: 0.5, seed: 11, keyFormat: storage.0, valueFormat: storage.1)
        if policy == .h2oHeadDecayAvgStd {
            // A decoding-mode policy (spec §7.3): refused up front, with the way out.
            let error = #expect(throws: KVCacheError.self) { _ = try ForwardRig(settings, promptLength: 32) }
            let why = error?.description ?? ""
            #expect(why.contains("h2o_head_decay_avg_std") && why.contains("decoding"), "\(why)")
            return
        }
        let rig = try ForwardRig(settings, promptLength: 32)
        #expect(rig.controller.regime.name == (mode == .encoding ? "encoding" : "encoding_decoding"))
        let plan = try #require(rig.controller.regime.plan)
        #expect(plan.idx == 24 && plan.extendedBudget == 24 && plan.recentWindow == 12 && plan.rocoScope == 8)
        #expect(plan.rIdx == (mode == .encoding ? 20 : 4))

        // Until the cache passes idx: no statistics (keep_attention off), no eviction.
        while rig.controller.forwards[rig.nextForward].upperBound <= 24 {
            let evicted = try rig.promptForward(attention: Self.prefill.attention, lastRow: Self.prefillLastRow.value)
            #expect(!rig.lastCollected)
            #expect(evicted.isNothing)
        }
        #expect(rig.controller.forwards[rig.nextForward] == 24..<28)
        let evicted = try rig.promptForward(attention: Self.prefill.attention, lastRow: Self.prefillLastRow.value)
        #expect(rig.lastCollected == Self.usesStatistics(policy))
        #expect(rig.cache.counts == (policy == .full ? [28, 28] : [24, 24]))
        #expect(rig.cache.peakCount == plan.idx + 4)  // budget + stride, never more
        #expect(rig.rowsFollowPositions())

        let expected: [[Int]]
        switch policy {
        case .full:
            expected = Array(repeating: [], count: 4)
        case .recency:
            expected = Array(repeating: [4, 5, 6, 7], count: 4)  // [sink, sink + s), every head
        case .random:
            // One block of s slots, the same in every layer and head, starting in [0, idx).
            let block = evicted[0]
            #expect(evicted.isUniform)
            #expect(block.count == 4 && block.last! - block.first! == 3)
            #expect((0..<24).contains(block.first!))
            expected = evicted
        case .h2oHead:
            expected = Self.prefill.positions(of: "H")
        case .roco:
            expected = Self.prefill.positions(of: "R")
        case .tova:
            let a = Self.prefillLastRow.positions(of: "A")
            let b = Self.prefillLastRow.positions(of: "B")
            expected = mode == .encoding ? [a[0], a[0], a[2], a[2]] : [a[0], b[1], a[2], b[3]]
        case .h2oHeadDecayAvgStd:
            return
        }
        #expect(evicted == expected)
    }

    func decodingCase(_ policy: PolicyName, _ storage: (KVFormat, KVFormat)) throws {
        let p = Self.decodingPrompt
        let settings = KVSettings(
            mode: .decoding, budget: .tokens(40), stride: 4, policy: policy, seed: 11, keyFormat: storage.0,
            valueFormat: storage.1)
        let rig = try ForwardRig(settings, promptLength: p, maxNewTokens: 64)
        #expect(rig.controller.regime.name == "decoding")
        #expect(rig.controller.regime.decodingKeep == 40)
        // B + 1 past the prompt (the transient peak, §5); `full` never evicts, so all 64.
        #expect(rig.controller.capacity == p + (policy == .full ? 64 : 41))
        #expect(rig.controller.decodeCollectsStatistics == Self.usesStatistics(policy))
        try rig.finishPrompt()
        #expect(!rig.lastCollected)
        let picture = policy == .h2oHeadDecayAvgStd ? Self.decodingDecay : Self.decoding
        for _ in 0..<40 {
            let evicted = try rig.decodeStep(attention: picture.attention, lastRow: Self.decodingLastRow.value)
            #expect(evicted.isNothing)
        }
        let evicted = try rig.decodeStep(attention: picture.attention, lastRow: Self.decodingLastRow.value)
        #expect(rig.cache.counts == (policy == .full ? [p + 41, p + 41] : [p + 40, p + 40]))
        #expect(rig.cache.peakCount == p + 41)
        #expect(rig.rowsFollowPositions())
        // The prompt is never evicted.
        for kept in rig.kept() { #expect(Array(kept.prefix(p)) == Array(0..<p)) }

        let expected: [[Int]]
        switch policy {
        case .full:
            expected = Array(repeating: [], count: 4)
        case .recency:
            expected = Array(repeating: [p], count: 4)  // the oldest generated token
        case .random:
            let one = evicted[0]
            #expect(evicted.isUniform)
            #expect(one.count == 1 && (p..<(p + 41)).contains(one[0]))
            expected = evicted
        case .h2oHead:
            expected = Self.decoding.positions(of: "H")
        case .roco:
            expected = Self.decoding.positions(of: "R")
        case .tova:
            expected = [[p + 40], [p + 3], [p + 35], [p]]
        case .h2oHeadDecayAvgStd:
            expected = Self.decodingDecay.positions(of: "D")
        }
        #expect(evicted == expected)
    }

    func fullCase(_ policy: PolicyName, _ storage: (KVFormat, KVFormat)) throws {
        let settings = KVSettings(
            mode: .full, budget: .fraction(1), stride: 4, policy: policy, seed: 11, keyFormat: storage.0,
            valueFormat: storage.1)
        let rig = try ForwardRig(settings, promptLength: 32, maxNewTokens: 5)
        #expect(rig.controller.regime.name == "full")
        #expect(rig.controller.regime.plan == nil)
        #expect(rig.controller.capacity == 37)
        #expect(rig.controller.forwards == Swift.stride(from: 0, to: 32, by: 4).map { $0..<($0 + 4) })
        #expect(!rig.controller.decodeCollectsStatistics)
        while !rig.promptDone {
            #expect(try rig.promptForward(attention: Self.prefill.attention).isNothing)
            #expect(!rig.lastCollected)
        }
        for _ in 0..<5 { #expect(try rig.decodeStep(attention: Self.prefill.attention).isNothing) }
        #expect(rig.cache.counts == [37, 37])
        #expect(rig.controller.evictions == 0)
        for kept in rig.kept() { #expect(kept == Array(0..<37)) }
        #expect(rig.rowsFollowPositions())
    }

    // MARK: - Focused cases

    /// H2O ranks by the raw sum S, not the mean S/C (spec §7.1): in decoding an old token with a
    /// low mean outlives a young one whose few queries add up to less.
    @Test func h2oUsesRawSums() throws {
        let p = 2
        let settings = KVSettings(mode: .decoding, budget: .tokens(10), policy: .h2oHead)
        let rig = try ForwardRig(settings, promptLength: p, maxNewTokens: 20)
        try rig.finishPrompt()
        // Generated index 0: 0.1 from 11 queries (S 1.1, mean 0.1); index 7: 0.2 from 4 (S 0.8,
        // mean 0.2); indices 8…10 (recent window, rw = 3): 0; the rest 1.
        let attention: Attention = { _, _, key, _ in
            switch key - p {
            case 0: 0.1
            case 7: 0.2
            case 8...: 0
            default: 1
            }
        }
        for _ in 0..<10 { try rig.decodeStep(attention: attention) }
        let evicted = try rig.decodeStep(attention: attention)
        #expect(evicted == Array(repeating: [p + 7], count: 4))
        // By mean (S/C), index 0 would have gone: check S and C say so after the fact.
        let sums = rig.sums()[0]
        let counts = rig.counters()[0]
        #expect(abs(sums[p] - 1.1) < 1e-5 && counts[p] == 11)
        #expect(sums[p] / counts[p] < 0.2)
    }

    /// Ties go to the lowest slot (a documented deviation from torch's unspecified topk order),
    /// in both of RoCo's stages.
    @Test(arguments: [PolicyName.h2oHead, .tova, .roco])
    func tiesBrokenByLowestSlot(_ policy: PolicyName) throws {
        let settings = KVSettings(mode: .encoding, budget: .tokens(20), stride: 4, policy: policy, recentRatio: 0.5)
        let rig = try ForwardRig(settings, promptLength: 32)
        let low: Set = [14, 12, 9, 7, 5]
        let attention: Attention = { _, _, key, _ in low.contains(key) ? 0.5 : 1 }
        let lastRow: LastRow = { _, _, key in low.contains(key) ? 0.5 : 1 }
        var evicted: [[Int]] = []
        while rig.cache.counts[0] < 28 && rig.controller.evictions == 0 {
            evicted = try rig.promptForward(attention: attention, lastRow: lastRow)
        }
        // H2O/TOVA: five tied lows in [4, 16), the lowest four go. RoCo: every std is 0, so the
        // scope is the 8 lowest slots [4, 12); inside it the lows 5, 7, 9 and then slot 4.
        let expected = policy == .roco ? [4, 5, 7, 9] : [5, 7, 9, 12]
        #expect(evicted == Array(repeating: expected, count: 4))
    }

    /// `random` (spec §7.1): in prefill a block of s slots starting uniformly in [0, idx), the
    /// same in every layer and head; reproducible from the seed; the whole range is reachable,
    /// including starts that run into the newest chunk.
    @Test func randomPrefillBlocks() throws {
        func run(seed: UInt64) throws -> [[[Int]]] {
            let settings = KVSettings(mode: .encoding, budget: .tokens(20), stride: 4, policy: .random, seed: seed)
            let rig = try ForwardRig(settings, promptLength: 40)
            var evictions: [[[Int]]] = []
            while !rig.promptDone {
                let evicted = try rig.promptForward()
                guard !evicted[0].isEmpty else { continue }
                #expect(evicted.isUniform)
                // As slots: a contiguous block [a, a + 4) with a in [0, idx = 24).
                let before = rig.lastBefore[0]
                let slots = evicted[0].map { before.firstIndex(of: $0)! }
                #expect(slots == Array(slots[0]..<(slots[0] + 4)))
                #expect((0..<24).contains(slots[0]))
                evictions.append([slots])
            }
            #expect(evictions.count == 4)
            #expect(rig.cache.counts == [24, 24])
            return evictions
        }
        #expect(try run(seed: 5) == run(seed: 5))
        var starts = Set<Int>()
        var sequences = Set<[Int]>()
        for seed in 0..<150 {
            let e = try run(seed: UInt64(seed))
            starts.formUnion(e.map { $0[0][0] })
            sequences.insert(e.map { $0[0][0] })
        }
        #expect(starts == Set(0..<24))
        #expect(sequences.count > 100)  // seeds matter
    }

    /// `random` in decoding: one generated token (the newest included), the same everywhere.
    @Test func randomDecodingToken() throws {
        var chosen = Set<Int>()
        for seed in 0..<120 {
            let p = 3
            let settings = KVSettings(mode: .decoding, budget: .tokens(8), policy: .random, seed: UInt64(seed))
            let rig = try ForwardRig(settings, promptLength: p, maxNewTokens: 10)
            try rig.finishPrompt()
            for _ in 0..<8 { try rig.decodeStep() }
            let evicted = try rig.decodeStep()
            #expect(evicted.isUniform && evicted[0].count == 1)
            chosen.insert(evicted[0][0] - p)
        }
        #expect(chosen == Set(0...8))
    }

    /// `recency` over whole runs: StreamingLLM-like in prefill (sink + newest), the oldest
    /// generated token in decoding, slot `sink` at every enc_dec decode step.
    @Test func recencyWholeRuns() throws {
        let encoding = try ForwardRig(
            KVSettings(mode: .encoding, budget: .tokens(20), stride: 4, policy: .recency), promptLength: 40)
        try encoding.finishPrompt()
        for _ in 0..<3 { #expect(try encoding.decodeStep().isNothing) }  // §4.4: no eviction after
        for kept in encoding.kept() { #expect(kept == [0, 1, 2, 3] + Array(20..<43)) }

        let decoding = try ForwardRig(
            KVSettings(mode: .decoding, budget: .tokens(5), policy: .recency), promptLength: 3)
        try decoding.finishPrompt()
        for _ in 0..<12 { try decoding.decodeStep() }
        for kept in decoding.kept() { #expect(kept == [0, 1, 2, 10, 11, 12, 13, 14]) }

        let auto = try ForwardRig(
            KVSettings(mode: .auto, budget: .tokens(20), stride: 4, policy: .recency, recentRatio: 0.5),
            promptLength: 32)
        try auto.finishPrompt()
        for kept in auto.kept() { #expect(kept == [0, 1, 2, 3] + Array(12..<32)) }
        for _ in 0..<5 {
            let slot4 = auto.kept()[0][4]
            #expect(try auto.decodeStep() == Array(repeating: [slot4], count: 4))
        }
        for kept in auto.kept() { #expect(kept == [0, 1, 2, 3] + Array(17..<37)) }
    }

    /// enc_dec decode steps (spec §6): one eviction per step over every slot; no sink; decode
    /// recent window floor(0.3·B′) = 7; RoCo protects the newest 10; TOVA per head over all
    /// slots, the newest included; recency drops slot `sink`.
    @Test(arguments: [PolicyName.h2oHead, .tova, .roco, .recency, .random])
    func encodingDecodingDecodeStep(_ policy: PolicyName) throws {
        let settings = KVSettings(
            mode: .auto, budget: .tokens(20), stride: 4, policy: policy, recentRatio: 0.5, seed: 3)
        let rig = try ForwardRig(settings, promptLength: 32, maxNewTokens: 4)
        try rig.finishPrompt(attention: { _, _, _, _ in 1 }, lastRow: { _, _, _ in 1 })
        #expect(rig.cache.counts == [24, 24])
        #expect(rig.controller.decodeCollectsStatistics == Self.usesStatistics(policy))
        if policy != .random {
            // Every tie went to the lowest slots: [4, 8) twice.
            for kept in rig.kept() { #expect(kept == [0, 1, 2, 3] + Array(12..<32)) }
        }
        // Slots: 0…3 → positions 0…3, 4…23 → 12…31, 24 → 32 (the new token).
        // Victims by (layer, head): a sink token, an old one, the last slot outside the newest 10
        // (and inside H2O's candidates [0, 18)), a sink token. Position 30 (slot 22) also gets 0
        // but is protected (RoCo's newest 10, H2O's recent window).
        let victims = [2, 14, 22, 0]
        let attention: Attention = { l, h, key, _ in key == victims[l * 2 + h] || key == 30 ? 0 : 1 }
        let tovaVictims = [1, 32, 28, 0]
        let lastRow: LastRow = { l, h, key in key == tovaVictims[l * 2 + h] ? 0.01 : 1 }
        let evicted = try rig.decodeStep(attention: attention, lastRow: lastRow)
        #expect(rig.cache.counts == [24, 24])
        switch policy {
        case .h2oHead, .roco: #expect(evicted == victims.map { [$0] })
        case .tova: #expect(evicted == tovaVictims.map { [$0] })
        case .recency: #expect(evicted == Array(repeating: [12], count: 4))
        case .random:
            #expect(evicted.isUniform && evicted[0].count == 1)
            #expect(rig.lastBefore[0].contains(evicted[0][0]))
        default: break
        }
    }

    /// RoCo's scope in enc_dec decode steps is k = B′ − floor(0.3·B′) (spec §6), not the prefill
    /// k = B′ − rw − sink. L = 80, s = 4, budget 40: B′ = 44, idx = 44, k = 44 − 13 = 31; at 45
    /// slots the unprotected ones are [0, 35), so the 4 most volatile are shielded.
    @Test func encodingDecodingDecodeScope() throws {
        let settings = KVSettings(mode: .auto, budget: .tokens(40), stride: 4, policy: .roco)
        let rig = try ForwardRig(settings, promptLength: 80, maxNewTokens: 4)
        #expect(rig.controller.regime.plan?.idx == 44)
        try rig.finishPrompt(attention: { _, _, _, _ in 1 })  // every std 0, every mean 1
        let kept = rig.kept()[0]
        // This step: slots 1, 5, 9, 20 get 0 (lowest means, but the highest std: shielded);
        // slot 30 gets 0.9 (a little spread, the lowest mean in scope); the rest 1.
        let shielded = Set([1, 5, 9, 20].map { kept[$0] })
        let victim = kept[30]
        let attention: Attention = { _, _, key, _ in shielded.contains(key) ? 0 : key == victim ? 0.9 : 1 }
        let evicted = try rig.decodeStep(attention: attention)
        #expect(evicted == Array(repeating: [victim], count: 4))
    }

    /// `h2o_head_decay_avg_std` (spec §7.3): E ← 0.96·E + 0.04·a each step, Σe and Σe²
    /// accumulated, scope by std of e, eviction by the lowest E/C — not by the mean S/C, the raw
    /// sum, or E alone.
    @Test func decayPolicyFollowsTheEMA() throws {
        let p = 2
        let settings = KVSettings(mode: .decoding, budget: .tokens(12), policy: .h2oHeadDecayAvgStd)
        let rig = try ForwardRig(settings, promptLength: p, maxNewTokens: 20)
        try rig.finishPrompt()
        // Generated index 0: 1 for its first 6 steps then 0; index 1: 0.3 throughout; index 2:
        // 0 then 1 for the last 3 steps; the newest 10 (protected): 0.
        func a(_ index: Int, _ step: Int) -> Float {
            switch index {
            case 0: step < 6 ? 1 : 0
            case 1: 0.3
            case 2: step >= 10 ? 1 : 0
            default: 0
            }
        }
        let attention: Attention = { _, _, key, query in a(key - p, query - p) }
        for _ in 0..<12 { #expect(try rig.decodeStep(attention: attention).isNothing) }
        // The reference, in Double, over the 13 steps (step t sees generated indices 0…t).
        var e = [Double](repeating: 0, count: 13)
        var sum = [Double](repeating: 0, count: 13)
        var raw = [Double](repeating: 0, count: 13)
        for t in 0..<13 {
            for j in 0...t {
                e[j] = 0.96 * e[j] + 0.04 * Double(a(j, t))
                sum[j] += e[j]
                raw[j] += Double(a(j, t))
            }
        }
        let ema = rig.cache.runningStatistics.ema
        let emaSum = rig.cache.runningStatistics.emaSum
        let evicted = try rig.decodeStep(attention: attention)
        #expect(evicted == Array(repeating: [p + 1], count: 4))
        // Before the eviction compacted index 1 away, the EMA of index 0 is at slot p (it did
        // not move) and matches the reference.
        #expect(abs(Double(ema[p]) - e[0]) < 1e-5 && abs(Double(emaSum[p]) - sum[0]) < 1e-5)
        let c = (0..<3).map { Double(13 - $0) }
        let byEOverC = (0..<3).min { e[$0] / c[$0] < e[$1] / c[$1] }
        let byMean = (0..<3).min { raw[$0] / c[$0] < raw[$1] / c[$1] }
        let byRaw = (0..<3).min { raw[$0] < raw[$1] }
        let byE = (0..<3).min { e[$0] < e[$1] }
        #expect(byEOverC == 1 && byMean == 2 && byRaw == 2 && byE == 2, "the design must separate the rules")
    }

    /// B1: a recent window of 0 (floor(B′·0.1) = 0, or floor(0.3·B) = 0) breaks the reference;
    /// here every slot after the sink stays a candidate.
    @Test(arguments: [PolicyName.h2oHead, .tova])
    func bugB1RecentWindowZero(_ policy: PolicyName) throws {
        // Encoding: L = 12, s = 2, budget 6: B′ = 8, rw = 0, idx = 8; first eviction at n = 10.
        let rig = try ForwardRig(
            KVSettings(mode: .encoding, budget: .tokens(6), stride: 2, policy: policy), promptLength: 12)
        #expect(rig.controller.regime.plan?.recentWindow == 0)
        let newest: Attention = { _, _, key, _ in key >= 8 ? 0 : 1 }
        let newestLast: LastRow = { _, _, key in key >= 8 ? 0 : 1 }
        var evicted: [[Int]] = []
        while rig.controller.evictions == 0 { evicted = try rig.promptForward(attention: newest, lastRow: newestLast) }
        #expect(evicted == Array(repeating: [8, 9], count: 4))
        try rig.finishPrompt(attention: newest, lastRow: newestLast)
        #expect(rig.cache.counts == [8, 8])

        // Decoding: B = 3, rw = 0: the token just generated may go.
        let p = 2
        let decoding = try ForwardRig(KVSettings(mode: .decoding, budget: .tokens(3), policy: policy), promptLength: p)
        try decoding.finishPrompt()
        let newestToken: Attention = { _, _, key, _ in key == p + 3 ? 0 : 1 }
        let newestTokenLast: LastRow = { _, _, key in key == p + 3 ? 0 : 1 }
        for _ in 0..<3 { try decoding.decodeStep(attention: newestToken, lastRow: newestTokenLast) }
        let last = try decoding.decodeStep(attention: newestToken, lastRow: newestTokenLast)
        #expect(last == Array(repeating: [p + 3], count: 4))
    }

    /// B2: decoding RoCo (and the decay policy) with a budget under ~30 shields fewer than 10
    /// slots, so the reference can evict its "protected" newest 10. Here they stay.
    @Test(arguments: [PolicyName.roco, .h2oHeadDecayAvgStd])
    func bugB2ProtectedNewestStay(_ policy: PolicyName) throws {
        let p = 2
        let settings = KVSettings(mode: .decoding, budget: .tokens(12), policy: policy)
        let rig = try ForwardRig(settings, promptLength: p, maxNewTokens: 40)
        try rig.finishPrompt()
        // Generated 0…2 (the only unprotected ones at 13 slots): 0.5, 0.2, 0.5; the newest 10
        // get 0, the lowest of every score.
        let attention: Attention = { _, _, key, _ in
            switch key - p {
            case 1: 0.2
            case 0, 2: 0.5
            default: 0
            }
        }
        for _ in 0..<12 { try rig.decodeStep(attention: attention) }
        #expect(try rig.decodeStep(attention: attention) == Array(repeating: [p + 1], count: 4))
        // Keep going: every later eviction also comes from outside the newest 10.
        for _ in 0..<20 {
            let evicted = try rig.decodeStep(attention: attention)
            for (b, e) in zip(rig.lastBefore, evicted) {
                let slot = b.firstIndex(of: e[0])!
                #expect(slot < b.count - 10, "evicted one of the newest 10")
            }
        }
    }

    // MARK: - Names

    @Test func policyNames() throws {
        for policy in PolicyName.allCases { #expect(try PolicyName.named(policy.rawValue) == policy) }
        #expect(try PolicyName.named("h2o_head_std_avg") == .roco)
        #expect(
            PolicyName.allCases.map(\.rawValue)
                == ["full", "random", "recency", "h2o_head", "tova", "roco", "h2o_head_decay_avg_std"])
        let error = #expect(throws: KVCacheError.self) { _ = try PolicyName.named("scissorhands") }
        #expect(error == .unknownPolicy("scissorhands"))
        let text = error?.description ?? ""
        #expect(text.contains("'scissorhands'"))
        for policy in PolicyName.allCases { #expect(text.contains(policy.rawValue)) }
        #expect(throws: KVCacheError.self) { _ = try PolicyName.named("") }
        #expect(throws: KVCacheError.self) { _ = try PolicyName.named("ROCO") }
    }
}
