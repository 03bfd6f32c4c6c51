import KVCaches
import Testing

@Suite struct BudgetControllerTests {
    /// Budget 1.0 (or more), or an integer ≥ the prompt length, is a full cache: kind `.full`,
    /// no plan, no statistics, no eviction, every token kept (spec §1.3).
    @Test(arguments: [Budget.fraction(1.0), .fraction(2.5), .tokens(30), .tokens(31), .tokens(1000)])
    func fullBudgetsAreFull(_ budget: Budget) throws {
        for mode in [KVMode.encoding, .full] {
            for policy in PolicyName.allCases {
                let settings = KVSettings(mode: mode, budget: budget, stride: 8, policy: policy)
                let rig = try ForwardRig(settings, promptLength: 30, maxNewTokens: 6)
                #expect(rig.controller.regime.name == "full", "\(mode) \(policy)")
                #expect(rig.controller.regime.plan == nil)
                #expect(rig.controller.capacity == 36)
                #expect(rig.controller.forwards == [0..<8, 8..<16, 16..<24, 24..<30])
                #expect(!rig.controller.decodeCollectsStatistics)
                while !rig.promptDone {
                    #expect(try rig.promptForward(attention: { _, _, _, _ in 0.5 }).isNothing)
                    #expect(!rig.lastCollected)
                }
                for _ in 0..<6 { #expect(try rig.decodeStep(attention: { _, _, _, _ in 0.5 }).isNothing) }
                #expect(rig.controller.evictions == 0)
                for kept in rig.kept() { #expect(kept == Array(0..<36)) }
                #expect(rig.cache.bytesInUse == rig.cache.peakBytes)
            }
        }
        // ppl: the same, and every integer budget is full there (bug B5, kept).
        let ppl = try BudgetController(
            settings: KVSettings(mode: .encoding, budget: budget, stride: 8, policy: .roco), promptLength: 30,
            maxNewTokens: 0, perplexity: true)
        #expect(ppl.regime.name == "full")
    }

    @Test func perplexityIntegerBudgetIsFull() throws {
        let ppl = try BudgetController(
            settings: KVSettings(mode: .encoding, budget: .tokens(10), stride: 4, policy: .roco), promptLength: 30,
            maxNewTokens: 0, perplexity: true)
        #expect(ppl.regime.name == "full")
    }

    /// `auto` (spec §1.3): B > L is decoding with B − L generated tokens; B ≤ L is enc_dec; a
    /// budget ≥ L in enc_dec would have no plan.
    @Test func autoMode() throws {
        let decoding = try BudgetController(
            settings: KVSettings(mode: .auto, budget: .tokens(130), stride: 16, policy: .roco), promptLength: 100,
            maxNewTokens: 50)
        #expect(decoding.regime.name == "decoding")
        #expect(decoding.regime.decodingKeep == 30)
        #expect(decoding.capacity == 100 + 30 + 1)
        #expect(decoding.regime.plan == nil)
        #expect(decoding.forwards == Swift.stride(from: 0, to: 100, by: 16).map { $0..<min($0 + 16, 100) })

        let encDec = try BudgetController(
            settings: KVSettings(mode: .auto, budget: .tokens(60), stride: 16, policy: .tova), promptLength: 100,
            maxNewTokens: 50)
        #expect(encDec.regime.name == "encoding_decoding")
        #expect(encDec.regime.plan != nil)
        #expect(encDec.capacity == encDec.regime.plan?.slots)

        let atLength = try BudgetController(
            settings: KVSettings(mode: .auto, budget: .tokens(100), stride: 16, policy: .roco), promptLength: 100,
            maxNewTokens: 50)
        #expect(atLength.regime.name == "full")
    }

    /// Decoding capacity is the prompt plus B + 1 (the transient peak, spec §5), whatever the
    /// number of tokens to generate; encoding capacity is max(idx + s, idx + generated).
    @Test func capacities() throws {
        let decoding = try BudgetController(
            settings: KVSettings(mode: .decoding, budget: .tokens(20), policy: .h2oHead), promptLength: 50,
            maxNewTokens: 500)
        #expect(decoding.capacity == 71)
        let encoding = try BudgetController(
            settings: KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 24, policy: .roco),
            promptLength: 5144,
            maxNewTokens: 6)
        #expect(encoding.capacity == 2600)
        let long = try BudgetController(
            settings: KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 24, policy: .roco),
            promptLength: 5144,
            maxNewTokens: 100)
        #expect(long.capacity == 2576 + 100)
        // `full` policy in encoding mode: chunks, but the cache keeps the whole prompt.
        let full = try BudgetController(
            settings: KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 24, policy: .full),
            promptLength: 5144,
            maxNewTokens: 6)
        #expect(full.regime.name == "encoding")
        #expect(full.capacity == 5144 + 6)
    }

    /// An encoding run keeps exactly idx tokens after the prompt, and the peak is idx + s
    /// entries: bytes in use and peak bytes follow the plan.
    @Test func encodingRunKeepsThePlannedCount() throws {
        let settings = KVSettings(mode: .encoding, budget: .fraction(0.25), stride: 16, policy: .roco)
        let rig = try ForwardRig(settings, promptLength: 400, maxNewTokens: 4)
        let plan = try #require(rig.controller.regime.plan)
        // B′ = 100 + 16 = 116, idx = 112 (400 − 112 = 288 = 18·16).
        #expect(plan.idx == 112)
        try rig.finishPrompt(attention: CounterInvariantTests.pseudoAttention)
        #expect(rig.cache.counts == [112, 112])
        #expect(rig.controller.evictions == plan.evictionCount)
        let perSlot = rig.layers * rig.heads * rig.headDim * 2 * 4
        #expect(rig.cache.bytesInUse == 112 * perSlot)
        #expect(rig.cache.peakBytes == plan.slots * perSlot)
        // Every head kept the sink and the most recent chunk.
        for kept in rig.kept() {
            #expect(kept.count == 112 && Array(kept.prefix(4)) == [0, 1, 2, 3])
            #expect(kept.suffix(10) == Array(390..<400)[...])
            #expect(kept == kept.sorted())
        }
    }

    /// `full` never evicts (spec §7.1), in decoding mode too: the cache must hold the prompt and
    /// every generated token, however small the budget.
    @Test(arguments: [KVMode.decoding, .auto, .encoding])
    func fullPolicyHoldsEveryGeneratedToken(_ mode: KVMode) throws {
        let budget: Budget = mode == .encoding ? .fraction(0.5) : .tokens(mode == .auto ? 25 : 5)
        let settings = KVSettings(mode: mode, budget: budget, stride: 4, policy: .full)
        let rig = try ForwardRig(settings, promptLength: 20, maxNewTokens: 12)
        try rig.finishPrompt()
        for _ in 0..<12 { #expect(try rig.decodeStep().isNothing) }
        #expect(rig.cache.counts == [32, 32])
        #expect(rig.controller.evictions == 0)
        #expect(rig.controller.capacity == 32)
    }

    @Test func refusedSettings() {
        func make(_ settings: KVSettings, length: Int = 100, perplexity: Bool = false) throws {
            _ = try BudgetController(settings: settings, promptLength: length, maxNewTokens: 10, perplexity: perplexity)
        }
        // Decoding needs an integer budget (bug B6); so does auto.
        let b6 = #expect(throws: KVCacheError.self) { try make(KVSettings(mode: .decoding, budget: .fraction(0.5))) }
        #expect(b6?.description.contains("token count") == true)
        #expect(throws: KVCacheError.self) { try make(KVSettings(mode: .auto, budget: .fraction(0.5))) }
        // The decay policy is for decoding only.
        for mode in [KVMode.encoding, .auto] {
            let e = #expect(throws: KVCacheError.self) {
                try make(KVSettings(mode: mode, budget: .tokens(40), stride: 8, policy: .h2oHeadDecayAvgStd))
            }
            #expect(e?.description.contains("decoding") == true)
        }
        #expect(throws: Never.self) {
            try make(KVSettings(mode: .decoding, budget: .tokens(40), policy: .h2oHeadDecayAvgStd))
        }
        // keep_attention is for encoding-type modes.
        #expect(throws: KVCacheError.self) {
            try make(KVSettings(mode: .decoding, budget: .tokens(40), keepAttention: true))
        }
        // Perplexity does not run in decoding mode.
        #expect(throws: KVCacheError.self) {
            try make(KVSettings(mode: .decoding, budget: .tokens(40)), perplexity: true)
        }
        #expect(throws: KVCacheError.self) { try make(KVSettings(mode: .encoding, budget: .fraction(0.5)), length: 0) }
        #expect(throws: KVCacheError.self) { try make(KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 0)) }
        // B9 through the controller.
        #expect(throws: KVCacheError.self) { try make(KVSettings(mode: .encoding, budget: .tokens(10), stride: 64)) }
    }

    @Test func budgetParsing() {
        #expect(Budget("0.5") == .fraction(0.5))
        #expect(Budget("1.0") == .fraction(1.0))
        #expect(Budget("300") == .tokens(300))
        #expect(Budget("0") == nil && Budget("-3") == nil && Budget("abc") == nil && Budget("inf") == nil)
        #expect(Budget("nan") == nil)
    }
}

/// The prefix is cut into stride-sized pieces (bounded activation memory); the chunks after it
/// stay exactly the reference's.
@Suite struct PromptStepsTests {
    @Test(arguments: [false, true])
    func splitPrefixCoversThePlan(keepAttention: Bool) throws {
        let settings = KVSettings(
            mode: .encoding, budget: .fraction(0.5), stride: 8, policy: .roco, keepAttention: keepAttention)
        let controller = try BudgetController(settings: settings, promptLength: 100, maxNewTokens: 4)
        let steps = controller.promptSteps
        #expect(steps.first?.lowerBound == 0 && steps.last?.upperBound == 100)
        #expect(steps.allSatisfy { $0.count <= 8 })
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        // After the prefix the pieces are exactly the planned chunks.
        let rIdx = controller.regime.plan!.rIdx
        #expect(steps.filter { $0.lowerBound >= rIdx } == Array(controller.forwards.dropFirst()))
        #expect(rIdx > 8)  // the prefix really is split
    }
}
