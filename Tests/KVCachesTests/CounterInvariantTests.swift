import KVCaches
import Testing

/// One re-enacted run for the counter invariant.
struct InvariantCase: Sendable, CustomTestStringConvertible {
    let mode: KVMode
    let length: Int
    let stride: Int
    let budget: Budget
    let keepAttention: Bool
    let policy: PolicyName
    var decodeSteps = 0
    var perplexity = false
    /// All-ones attention (S counts queries, so S = C), else pseudo-random attention.
    var ones = false

    var testDescription: String {
        "\(perplexity ? "ppl" : mode.rawValue) L=\(length) s=\(stride) budget=\(budget) keep=\(keepAttention) "
            + "\(policy.rawValue)\(ones ? " ones" : "") steps=\(decodeSteps)"
    }
}

/// What the test itself counted, per (layer, head) and key position: the queries whose
/// attention the spec folds into S/Q (§4.3's gate, §5, §6), and the sums of their ā and ā².
final class Ledger {
    var count: [[Int: Int]]
    var sum: [[Int: Double]]
    var squares: [[Int: Double]]

    init(heads: Int) {
        count = Array(repeating: [:], count: heads)
        sum = Array(repeating: [:], count: heads)
        squares = Array(repeating: [:], count: heads)
    }

    func record(_ index: Int, key: Int, _ a: Float) {
        count[index][key, default: 0] += 1
        sum[index][key, default: 0] += Double(a)
        squares[index][key, default: 0] += Double(a) * Double(a)
    }
}

/// EASYKV-SPEC §3.2: right after each `C += s` (that is, at each eviction) `C[j]` equals the
/// number of queries whose attention has been added into `S[j]`, for every surviving slot;
/// S and Q hold exactly those queries' sums. Checked on whole re-enacted runs.
@Suite struct CounterInvariantTests {
    static let encodingShapes: [(Int, Int, Budget)] = [
        (50, 4, .fraction(0.5)), (37, 3, .tokens(10)), (64, 8, .fraction(0.25)), (30, 1, .tokens(9)),
        (41, 5, .fraction(0.6)), (24, 8, .tokens(8)),
    ]

    static let cases: [InvariantCase] = {
        var out: [InvariantCase] = []
        for (i, (l, s, b)) in encodingShapes.enumerated() {
            for keep in [false, true] {
                for policy in [PolicyName.roco, .h2oHead] {
                    out.append(
                        InvariantCase(
                            mode: .encoding, length: l, stride: s, budget: b, keepAttention: keep, policy: policy,
                            decodeSteps: 3, ones: i % 2 == 0))
                }
            }
        }
        for keep in [false, true] {
            out.append(
                InvariantCase(
                    mode: .encoding, length: 50, stride: 4, budget: .fraction(0.5), keepAttention: keep, policy: .roco,
                    perplexity: true))
        }
        for (i, (l, s, b)) in [(40, 4, 14), (33, 5, 20), (29, 3, 11), (20, 2, 6), (20, 1, 7)].enumerated() {
            for keep in [false, true] {
                for policy in [PolicyName.roco, .h2oHead] {
                    out.append(
                        InvariantCase(
                            mode: .auto, length: l, stride: s, budget: .tokens(b), keepAttention: keep, policy: policy,
                            decodeSteps: 12, ones: i % 2 == 1))
                }
            }
        }
        for (p, b, steps) in [(7, 12, 30), (3, 25, 45), (5, 4, 15)] {
            for policy in [PolicyName.roco, .h2oHead, .h2oHeadDecayAvgStd] {
                out.append(
                    InvariantCase(
                        mode: .decoding, length: p, stride: 4, budget: .tokens(b), keepAttention: false, policy: policy,
                        decodeSteps: steps, ones: b == 25))
            }
            // `auto` with B > L is decoding with B − L.
            out.append(
                InvariantCase(
                    mode: .auto, length: p, stride: 4, budget: .tokens(b + p), keepAttention: false, policy: .roco,
                    decodeSteps: steps))
        }
        return out
    }()

    /// Pseudo-random ā in [0, 1), a pure function of its arguments.
    static func pseudoAttention(_ l: Int, _ h: Int, _ key: Int, _ query: Int) -> Float {
        var g = SplitMix64(seed: UInt64(((l * 7 + h) * 1009 + key) * 100_003 + query))
        return Float(g.next() >> 40) / Float(1 << 24)
    }

    @Test(arguments: cases)
    func counterCountsTheQueriesInS(_ c: InvariantCase) throws {
        let settings = KVSettings(
            mode: c.mode, budget: c.budget, stride: c.stride, policy: c.policy, keepAttention: c.keepAttention)
        let rig = try ForwardRig(
            settings, promptLength: c.length, maxNewTokens: max(c.decodeSteps, 1), perplexity: c.perplexity)
        let controller = rig.controller
        let heads = rig.layers * rig.heads
        let ledger = Ledger(heads: heads)
        let attention: Attention = { l, h, key, query in
            let a = c.ones ? 1 : Self.pseudoAttention(l, h, key, query)
            ledger.record(l * 2 + h, key: key, a)
            return a
        }
        let decoding = controller.regime.name == "decoding"
        // Slots whose statistics are tracked: generated tokens in decoding mode (§3.2).
        let first = decoding ? c.length : 0
        let checkSums = c.policy != .h2oHeadDecayAvgStd  // the decay policy keeps E, not S
        let checkSquares = c.policy == .roco

        // §4.2 / §5: the counters before the first forward.
        let counters = rig.cache.runningStatistics.counter
        for index in 0..<heads {
            let base = index * controller.capacity
            if let plan = controller.regime.plan {
                for j in 0..<plan.slots {
                    let expected = c.keepAttention ? plan.idx - j : (j < plan.idx ? 0 : plan.idx - j)
                    #expect(counters[base + j] == Float(expected), "C[\(j)] before the first forward")
                }
            } else {
                let b = try #require(controller.regime.decodingKeep)
                for j in 0...b { #expect(counters[base + c.length + j] == Float(b - j), "C[P+\(j)] = B − j") }
            }
        }

        var checkedEvictions = 0
        func checkInvariant(_ what: String) {
            let kept = rig.kept()
            let cs = rig.counters()
            let ss = rig.sums()
            let qs = rig.squareSums()
            for index in 0..<heads {
                for j in first..<kept[index].count {
                    let key = kept[index][j]
                    let n = ledger.count[index][key] ?? 0
                    #expect(
                        cs[index][j] == Float(n),
                        "\(what): head \(index) slot \(j) (position \(key)): C \(cs[index][j]), counted \(n)")
                    if checkSums {
                        let s = ledger.sum[index][key] ?? 0
                        #expect(abs(Double(ss[index][j]) - s) <= 1e-4 * max(1, s), "\(what): S at slot \(j)")
                        if c.ones { #expect(ss[index][j] == cs[index][j]) }
                    }
                    if checkSquares {
                        let q = ledger.squares[index][key] ?? 0
                        #expect(abs(Double(qs[index][j]) - q) <= 1e-4 * max(1, q), "\(what): Q at slot \(j)")
                    }
                }
            }
            checkedEvictions += 1
        }

        // Prompt.
        while !rig.promptDone {
            let index = rig.nextForward
            let range = controller.forwards[index]
            let evictionsBefore = controller.evictions
            let nAfter = rig.cache.counts[0] + range.count
            try rig.promptForward(attention: attention)
            // The spec's gate (§4.3): statistics when n > idx or keep_attention; none in decoding's prompt.
            let gate = controller.regime.plan.map { nAfter > $0.idx || c.keepAttention } ?? false
            #expect(rig.lastCollected == gate, "forward \(index) \(range)")
            if let plan = controller.regime.plan {
                let evicted = nAfter > plan.idx
                #expect(controller.evictions == evictionsBefore + (evicted ? 1 : 0))
                #expect(rig.cache.counts == Array(repeating: min(nAfter, plan.idx), count: rig.layers))
                if evicted {
                    checkInvariant("prefill eviction after \(range)")
                    // Fresh slots for the next chunk: C = 0, −1, …, −(s−1).
                    for h in 0..<heads {
                        for m in 0..<plan.stride where plan.idx + m < controller.capacity {
                            #expect(counters[h * controller.capacity + plan.idx + m] == Float(-m))
                        }
                    }
                }
            }
        }
        if let plan = controller.regime.plan {
            #expect(controller.evictions == plan.evictionCount)
            #expect(checkedEvictions == plan.evictionCount)
        }

        // Generation.
        for step in 0..<c.decodeSteps {
            let evictionsBefore = controller.evictions
            try rig.decodeStep(attention: attention)
            switch controller.regime {
            case .encodingDecoding:
                #expect(rig.lastCollected)
                #expect(controller.evictions == evictionsBefore + 1)
                #expect(rig.cache.counts[0] == controller.regime.plan!.idx)
                checkInvariant("enc_dec decode step \(step)")
            case .decoding:
                #expect(rig.lastCollected)
                let b = controller.regime.decodingKeep!
                let evicts = step + 1 > b
                #expect(controller.evictions == evictionsBefore + (evicts ? 1 : 0))
                #expect(rig.cache.counts[0] == c.length + min(step + 1, b))
                if evicts { checkInvariant("decoding step \(step)") }
            default:
                // Encoding and ppl: no statistics and no eviction after the prompt (§4.4).
                #expect(!rig.lastCollected)
                #expect(controller.evictions == evictionsBefore)
            }
        }
        #expect(checkedEvictions > 0)
    }
}
