import KVCaches
import Testing

/// Which regime lays a plan out: the three `StridePlan` constructors.
enum PlanKind: Sendable {
    case encoding, encodingDecoding, perplexity

    func make(promptLength: Int, budget: Budget, stride: Int, recentRatio: Double, sink: Int) throws(KVCacheError)
        -> StridePlan?
    {
        switch self {
        case .encoding:
            return try StridePlan.encoding(
                promptLength: promptLength, budget: budget, stride: stride, recentRatio: recentRatio, sink: sink)
        case .encodingDecoding:
            guard case .tokens(let b) = budget else { throw .invalidSetting(.budget, "auto needs a token count") }
            return try StridePlan.encodingDecoding(
                promptLength: promptLength, tokens: b, stride: stride, recentRatio: recentRatio, sink: sink)
        case .perplexity:
            return try StridePlan.perplexity(
                promptLength: promptLength, budget: budget, stride: stride, recentRatio: recentRatio, sink: sink)
        }
    }

    /// The regime's name (`KVRegime.name`).
    var regimeName: String {
        switch self {
        case .encoding: "encoding"
        case .encodingDecoding: "encoding_decoding"
        case .perplexity: "perplexity"
        }
    }
}

/// One row of the EASYKV-SPEC §4.1 table of worked values.
struct PlanRow: Sendable, CustomTestStringConvertible {
    let kind: PlanKind
    let length: Int
    let budget: Budget
    let stride: Int
    let bPrime: Int
    let idx: Int
    let rIdx: Int
    let chunks: Int
    let evictions: Int
    let recentWindow: Int
    let rocoScope: Int
    let slots: Int
    let excluded: Int

    var testDescription: String { "\(kind) L=\(length) budget=\(budget) s=\(stride)" }
}

@Suite struct StridePlanTests {
    /// EASYKV-SPEC §4.1, all six rows (the first three match the README logs 2576/5144,
    /// 5002/9994, 5165/10253). The ppl row runs `.perplexity`, the enc_dec row
    /// `.encodingDecoding` with an integer budget.
    static let table: [PlanRow] = [
        PlanRow(
            kind: .encoding, length: 5144, budget: .fraction(0.5), stride: 24, bPrime: 2596, idx: 2576, rIdx: 2552,
            chunks: 108, evictions: 107, recentWindow: 259, rocoScope: 2333, slots: 2600, excluded: 267),
        PlanRow(
            kind: .encoding, length: 9994, budget: .fraction(0.5), stride: 96, bPrime: 5093, idx: 5002, rIdx: 4906,
            chunks: 53, evictions: 52, recentWindow: 509, rocoScope: 4580, slots: 5098, excluded: 518),
        PlanRow(
            kind: .perplexity, length: 10253, budget: .fraction(0.5), stride: 96, bPrime: 5222, idx: 5165, rIdx: 77,
            chunks: 106, evictions: 53, recentWindow: 522, rocoScope: 4696, slots: 5261, excluded: 565),
        PlanRow(
            kind: .encoding, length: 1000, budget: .fraction(0.5), stride: 8, bPrime: 508, idx: 504, rIdx: 496,
            chunks: 63, evictions: 62, recentWindow: 50, rocoScope: 454, slots: 512, excluded: 58),
        PlanRow(
            kind: .encoding, length: 1000, budget: .fraction(0.25), stride: 1, bPrime: 251, idx: 251, rIdx: 250,
            chunks: 750, evictions: 749, recentWindow: 25, rocoScope: 222, slots: 252, excluded: 30),
        PlanRow(
            kind: .encodingDecoding, length: 1000, budget: .tokens(300), stride: 64, bPrime: 364, idx: 360, rIdx: 40,
            chunks: 15, evictions: 10, recentWindow: 36, rocoScope: 324, slots: 424, excluded: 100),
    ]

    @Test(arguments: table)
    func specTable(_ row: PlanRow) throws {
        let plan = try #require(
            try row.kind.make(
                promptLength: row.length, budget: row.budget, stride: row.stride, recentRatio: 0.1,
                sink: 4))
        #expect(plan.extendedBudget == row.bPrime)
        #expect(plan.idx == row.idx)
        #expect(plan.rIdx == row.rIdx)
        #expect(plan.chunkCount == row.chunks)
        #expect(plan.evictionCount == row.evictions)
        #expect(plan.recentWindow == row.recentWindow)
        #expect(plan.rocoScope == row.rocoScope)
        #expect(plan.slots == row.slots)
        #expect(plan.slots - plan.rocoScope == row.excluded)
        #expect(plan.sink == 4)
        checkForwards(plan)
    }

    /// The same rows reached through the controller's modes: `encoding`, `auto` with an integer
    /// budget no larger than the prompt, and a perplexity run.
    @Test(arguments: table)
    func specTableThroughController(_ row: PlanRow) throws {
        let mode: KVMode = row.kind == .encodingDecoding ? .auto : .encoding
        let settings = KVSettings(mode: mode, budget: row.budget, stride: row.stride, policy: .roco)
        let controller = try BudgetController(
            settings: settings, promptLength: row.length, maxNewTokens: 16, perplexity: row.kind == .perplexity)
        #expect(controller.regime.name == row.kind.regimeName)
        let plan = try #require(controller.regime.plan)
        #expect(plan.idx == row.idx && plan.rIdx == row.rIdx && plan.extendedBudget == row.bPrime)
        #expect(controller.forwards == plan.forwards)
        #expect(controller.forwards.count == row.chunks + (row.rIdx > 0 ? 1 : 0))
        // Capacity: the plan's slots, plus generated tokens on top of idx in encoding mode.
        let expectedCapacity = row.kind == .encoding ? max(row.slots, row.idx + 16) : row.slots
        #expect(controller.capacity == expectedCapacity)
    }

    /// `forwards` covers [0, L) exactly: the prefix [0, r_idx) when not empty, then chunks of
    /// exactly `s`.
    func checkForwards(_ plan: StridePlan, sourceLocation: SourceLocation = #_sourceLocation) {
        let f = plan.forwards
        var expected: [Range<Int>] = plan.rIdx > 0 ? [0..<plan.rIdx] : []
        var t = plan.rIdx
        while t < plan.promptLength {
            expected.append(t..<(t + plan.stride))
            t += plan.stride
        }
        #expect(t == plan.promptLength, "chunks must end exactly at L", sourceLocation: sourceLocation)
        #expect(f == expected, sourceLocation: sourceLocation)
        #expect(f.first?.lowerBound == 0 && f.last?.upperBound == plan.promptLength, sourceLocation: sourceLocation)
        for (a, b) in zip(f, f.dropFirst()) { #expect(a.upperBound == b.lowerBound, sourceLocation: sourceLocation) }
        let chunkSizes = Set(f.dropFirst(plan.rIdx > 0 ? 1 : 0).map(\.count))
        #expect(chunkSizes == [plan.stride], sourceLocation: sourceLocation)
        // The cache reaches idx after whole chunks (or with the prefix itself: enc_dec, idx = s).
        #expect((plan.idx - plan.rIdx) % plan.stride == 0 && plan.idx >= plan.rIdx, sourceLocation: sourceLocation)
        #expect((plan.promptLength - plan.idx) % plan.stride == 0, sourceLocation: sourceLocation)
    }

    /// The idx/r_idx definitions checked by brute force over many small cases (spec §4.1, §6).
    @Test(arguments: [PlanKind.encoding, .encodingDecoding, .perplexity])
    func arithmeticByDefinition(_ kind: PlanKind) throws {
        for length in [7, 20, 33, 64, 101] {
            for stride in [1, 2, 3, 5, 8, 16] {
                for b in Swift.stride(from: 1, to: length, by: 3) {
                    let budget: Budget = kind == .encodingDecoding ? .tokens(b) : .fraction(Double(b) / Double(length))
                    let bPrime: Int
                    if case .fraction(let f) = budget {
                        bPrime = Int((Double(length) * f).rounded(.down)) + stride
                    } else {
                        bPrime = b + stride >= length ? b : b + stride
                    }
                    // idx = largest i in [0, B′] with (L − i) % s == 0.
                    // (None when B′ < s: enc_dec with a tiny budget.)
                    let idx = (0...bPrime).last { (length - $0) % stride == 0 } ?? -1
                    let result = Result {
                        try kind.make(promptLength: length, budget: budget, stride: stride, recentRatio: 0.1, sink: 4)
                    }
                    if idx < stride {
                        // Bug B9: refused.
                        #expect(throws: KVCacheError.self) { try result.get() }
                        continue
                    }
                    let plan = try #require(try result.get(), "L=\(length) s=\(stride) budget=\(budget)")
                    #expect(plan.extendedBudget == bPrime)
                    #expect(plan.idx == idx, "L=\(length) s=\(stride) budget=\(budget)")
                    let rIdx: Int
                    if kind == .encoding {
                        rIdx = idx - stride
                    } else {
                        // The smallest r ≥ 1 with (idx − r) % s == 0.
                        rIdx = (1...idx).first { (idx - $0) % stride == 0 }!
                    }
                    #expect(plan.rIdx == rIdx, "L=\(length) s=\(stride) budget=\(budget)")
                    #expect(plan.recentWindow == Int((Double(bPrime) * 0.1).rounded(.down)))
                    checkForwards(plan)
                }
            }
        }
    }

    /// A float ≥ 1.0 or an integer ≥ L is a full cache: no plan (spec §1.3). In ppl mode every
    /// integer is (bug B5, kept as documented behaviour).
    @Test func fullBudgetsHaveNoPlan() throws {
        for budget in [Budget.fraction(1.0), .fraction(1.5), .tokens(100), .tokens(101), .tokens(5000)] {
            for kind in [PlanKind.encoding, .perplexity] {
                #expect(
                    try kind.make(promptLength: 100, budget: budget, stride: 8, recentRatio: 0.1, sink: 4)
                        == nil, "\(kind) \(budget)")
            }
        }
        for budget in [Budget.tokens(100), .tokens(250)] {
            #expect(
                try PlanKind.encodingDecoding.make(
                    promptLength: 100, budget: budget, stride: 8, recentRatio: 0.1, sink: 4)
                    == nil)
        }
        #expect(
            try PlanKind.perplexity.make(promptLength: 100, budget: .tokens(10), stride: 8, recentRatio: 0.1, sink: 4)
                == nil)
        // Just under full: a real plan.
        #expect(
            try PlanKind.encoding.make(promptLength: 100, budget: .tokens(99), stride: 1, recentRatio: 0.1, sink: 4)?
                .idx == 100)
    }

    /// enc_dec: B′ = B + s, but B′ = B when B + s ≥ L (spec §6).
    @Test func encodingDecodingClampsExtendedBudget() throws {
        let plan = try #require(
            try PlanKind.encodingDecoding.make(
                promptLength: 100, budget: .tokens(90), stride: 16, recentRatio: 0.1, sink: 4))
        #expect(plan.extendedBudget == 90)
        #expect(plan.idx == 84)
        #expect(plan.rIdx == 4)
        #expect(plan.evictionCount == 1)
    }

    /// When idx reaches L (a budget within one stride of the prompt) the spec's arithmetic
    /// still gives a plan: chunked prefill with no eviction. It is not bug B9.
    @Test func budgetWithinOneStrideOfThePrompt() throws {
        for budget in [Budget.fraction(0.95), .tokens(990)] {
            let plan = try #require(
                try PlanKind.encoding.make(promptLength: 1000, budget: budget, stride: 64, recentRatio: 0.1, sink: 4))
            #expect(plan.idx == 1000)
            #expect(plan.rIdx == 936)
            #expect(plan.evictionCount == 0)
            #expect(plan.chunkCount == 1)
            checkForwards(plan)
        }
    }

    /// Bug B9 (idx < s): refused with a message naming the budget, the stride and the way out.
    @Test func bugB9IsRefused() {
        // L = 100, s = 64, budget 10: B′ = 74, idx = 36 < 64.
        for budget in [Budget.tokens(10), .fraction(0.1)] {
            let error = #expect(throws: KVCacheError.self) {
                _ = try PlanKind.encoding.make(promptLength: 100, budget: budget, stride: 64, recentRatio: 0.1, sink: 4)
            }
            guard let error, case .cannotPlan = error else {
                Issue.record("expected cannotPlan, got \(String(describing: error))")
                continue
            }
            let text = error.description
            #expect(text.contains("stride 64") && text.contains("\(budget)") && text.contains("100-token"), "\(text)")
        }
    }

    /// Settings that can never run are refused before any plan, naming the setting.
    @Test func invalidArgumentsAreRefused() {
        func plan(_ mode: KVMode, _ budget: Budget, stride: Int = 8, length: Int = 100) throws {
            _ = try KVSettings(mode: mode, budget: budget, stride: stride, policy: .roco).plan(
                promptLength: length, maxNewTokens: 4)
        }
        #expect(
            throws: KVCacheError.invalidSetting(.stride, "must be between 1 and \(KVSettings.maximumTokens) (got 0)")
        ) {
            try plan(.encoding, .fraction(0.5), stride: 0)
        }
        #expect(throws: KVCacheError.cannotPlan("empty prompt")) { try plan(.encoding, .fraction(0.5), length: 0) }
        #expect(throws: KVCacheError.self) { try plan(.encoding, .fraction(0)) }
        #expect(throws: KVCacheError.self) { try plan(.encoding, .fraction(-0.5)) }
        #expect(throws: KVCacheError.self) { try plan(.encoding, .tokens(0)) }
        #expect(throws: KVCacheError.self) { try plan(.auto, .fraction(0.5)) }
        #expect(throws: KVCacheError.self) { try plan(.decoding, .fraction(0.5)) }
        #expect(throws: KVCacheError.self) { try plan(.encoding, .fraction(.infinity)) }
    }
}
