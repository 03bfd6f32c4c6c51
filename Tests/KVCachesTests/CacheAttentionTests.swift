import KVCaches
import Kernels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One attention problem: a cache layer holding `nOld` earlier entries plus `q` new ones.
struct AttentionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let headCount: Int
    let kvHeads: Int
    let headDim: Int
    let nOld: Int
    let q: Int
    var window: Int? = nil
    var streaming = false
    /// Multiplies the random queries: larger makes the softmax peakier.
    var queryScale: Float = 1
    /// Gemma 2's soft-cap of the scaled scores.
    var softCap: Float? = nil

    var testDescription: String { name }
    var rep: Int { headCount / kvHeads }
}

/// Small deterministic generator for test data (SplitMix64 from KVCaches).
struct TestData {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func uniform() -> Float { Float(Double(rng.next() >> 11) / Double(1 << 53)) * 2 - 1 }
}

/// The naive reference: full softmax attention per query head in Double, with the causal mask
/// over slots, the optional soft-cap and sliding window over positions, plus the statistics the kernel
/// must report (spec §2.2: group mean first, then squares).
struct NaiveAttention {
    /// [q][headCount·headDim]
    var output: [[Double]] = []
    /// Per KV head, per slot: Σ_q ā, Σ_q ā², ā of the last query.
    var columnSum: [[Double]] = []
    var columnSquareSum: [[Double]] = []
    var lastRow: [[Double]] = []
    /// Σ_q mean_r(p²): the wrong order (square, then average), to show it differs.
    var meanOfSquares: [[Double]] = []

    init(
        c: AttentionCase, keys: [[Float]], values: [[Float]], keyPositions: [[Int]], queries: [[Float]],
        queryPositions: [Int], scale: Float
    ) {
        let n = c.nOld + c.q
        let d = c.headDim
        output = Array(repeating: Array(repeating: 0, count: c.headCount * d), count: c.q)
        columnSum = Array(repeating: Array(repeating: 0, count: n), count: c.kvHeads)
        columnSquareSum = columnSum
        lastRow = columnSum
        meanOfSquares = columnSum
        for kvh in 0..<c.kvHeads {
            for i in 0..<c.q {
                var groupMean = [Double](repeating: 0, count: n)
                var groupSquares = [Double](repeating: 0, count: n)
                for r in 0..<c.rep {
                    let hq = kvh * c.rep + r
                    var p = [Double](repeating: 0, count: n)
                    var visible: [Int] = []
                    for j in 0...(c.nOld + i) {
                        if let w = c.window, queryPositions[i] - keyPositions[kvh][j] >= w { continue }
                        visible.append(j)
                    }
                    var m = -Double.infinity
                    for j in visible {
                        var s = 0.0
                        for t in 0..<d { s += Double(queries[i][hq * d + t]) * Double(keys[kvh][j * d + t]) }
                        p[j] = s * Double(scale)
                        if let cap = c.softCap { p[j] = Double(cap) * tanh(p[j] / Double(cap)) }
                        m = max(m, p[j])
                    }
                    var total = 0.0
                    for j in visible {
                        p[j] = exp(p[j] - m)
                        total += p[j]
                    }
                    for j in visible { p[j] /= total }
                    for t in 0..<d {
                        var o = 0.0
                        for j in visible { o += p[j] * Double(values[kvh][j * d + t]) }
                        output[i][hq * d + t] = o
                    }
                    for j in 0..<n {
                        groupMean[j] += p[j] / Double(c.rep)
                        groupSquares[j] += p[j] * p[j] / Double(c.rep)
                    }
                }
                for j in 0..<n {
                    columnSum[kvh][j] += groupMean[j]
                    columnSquareSum[kvh][j] += groupMean[j] * groupMean[j]
                    meanOfSquares[kvh][j] += groupSquares[j]
                    if i == c.q - 1 { lastRow[kvh][j] = groupMean[j] }
                }
            }
        }
    }
}

@Suite struct CacheAttentionTests {
    static let outputTolerance = 2e-5
    static let statisticTolerance = 2e-5

    static let cases: [AttentionCase] = [
        AttentionCase(name: "MHA, first chunk", headCount: 4, kvHeads: 4, headDim: 8, nOld: 0, q: 7),
        AttentionCase(name: "GQA rep 3, nOld > 0", headCount: 6, kvHeads: 2, headDim: 8, nOld: 5, q: 9, queryScale: 3),
        AttentionCase(name: "MQA, nOld > 0", headCount: 4, kvHeads: 1, headDim: 8, nOld: 3, q: 6, queryScale: 3),
        AttentionCase(name: "decode step, GQA", headCount: 4, kvHeads: 2, headDim: 8, nOld: 40, q: 1),
        AttentionCase(name: "GQA, 300 queries (3 blocks)", headCount: 4, kvHeads: 2, headDim: 8, nOld: 17, q: 300),
        AttentionCase(name: "MHA, exactly 128 queries", headCount: 2, kvHeads: 2, headDim: 4, nOld: 2, q: 128),
        AttentionCase(
            name: "sliding window over gapped positions", headCount: 4, kvHeads: 2, headDim: 8, nOld: 10, q: 12,
            window: 9),
        AttentionCase(
            name: "sliding window, 200 queries", headCount: 4, kvHeads: 2, headDim: 8, nOld: 30, q: 200, window: 50),
        AttentionCase(
            name: "soft-cap 1, GQA", headCount: 4, kvHeads: 2, headDim: 8, nOld: 5, q: 9, queryScale: 4, softCap: 1),
        AttentionCase(
            name: "soft-cap and window, 40 queries", headCount: 4, kvHeads: 2, headDim: 8, nOld: 3, q: 40, window: 12,
            queryScale: 4, softCap: 1.5),
        AttentionCase(
            name: "streaming positions", headCount: 4, kvHeads: 2, headDim: 8, nOld: 6, q: 5, streaming: true),
        AttentionCase(
            name: "streaming positions, window", headCount: 6, kvHeads: 2, headDim: 8, nOld: 20, q: 9, window: 7,
            streaming: true),
    ]

    @Test(arguments: cases)
    func matchesNaiveReference(_ c: AttentionCase) throws {
        let layers = 2
        let layer = 1  // the other layer holds different data, to catch offset errors
        let n = c.nOld + c.q
        let d = c.headDim
        let cache = KVCache(
            layerCount: layers, kvHeadCount: c.kvHeads, headDim: d, capacity: n + 3, streamingPositions: c.streaming)
        var data = TestData(seed: UInt64(n * 31 + c.headCount))
        let rope = Rope(dimensionCount: d, base: 10000)

        // Keys/values per KV head; positions gapped and different per head (after eviction each
        // head keeps different tokens). In streaming mode the stored positions must be ignored.
        var keys: [[Float]] = []
        var values: [[Float]] = []
        var keyPositions: [[Int]] = []
        for l in 0..<layers {
            _ = try cache.reserve(layer: l, count: n)
            for h in 0..<c.kvHeads {
                let k = (0..<(n * d)).map { _ in data.uniform() }
                let v = (0..<(n * d)).map { _ in data.uniform() }
                let positions = (0..<n).map { j in j < c.nOld ? 3 * j + h : 3 * c.nOld + h + 2 * (j - c.nOld) }
                cache.keyPointer(layer: l, head: h).update(from: k, count: n * d)
                cache.valuePointer(layer: l, head: h).update(from: v, count: n * d)
                for j in 0..<n { cache.positionPointer(layer: l, head: h)[j] = Int32(positions[j]) }
                if l == layer {
                    keys.append(k)
                    values.append(v)
                    keyPositions.append(positions)
                }
            }
        }
        // Query positions: in streaming mode slot indices (what the forward pass passes).
        let queryPositions = (0..<c.q).map { i in c.streaming ? c.nOld + i : 3 * c.nOld + 2 * i + 1 }
        let queries: [[Float]] = (0..<c.q).map { _ in (0..<(c.headCount * d)).map { _ in data.uniform() * c.queryScale }
        }

        // The reference sees keys as the kernel must: rotated by slot index in streaming mode.
        var referenceKeys = keys
        var referencePositions = keyPositions
        if c.streaming {
            for h in 0..<c.kvHeads {
                referenceKeys[h].withUnsafeMutableBufferPointer { k in
                    for j in 0..<n { rope.apply(k.baseAddress! + j * d, heads: 1, headDim: d, position: j) }
                }
                referencePositions[h] = Array(0..<n)
            }
        }
        let scale = 1 / Float(d).squareRoot()
        let reference = NaiveAttention(
            c: c, keys: referenceKeys, values: values, keyPositions: referencePositions, queries: queries,
            queryPositions: queryPositions, scale: scale)

        // Query rows with a stride wider than the heads, output likewise, to catch stride errors.
        let queryStride = c.headCount * d + 5
        let outputStride = c.headCount * d + 3
        var flatQueries = [Float](repeating: .nan, count: c.q * queryStride)
        for i in 0..<c.q { for t in 0..<(c.headCount * d) { flatQueries[i * queryStride + t] = queries[i][t] } }
        var output = [Float](repeating: .nan, count: c.q * outputStride)
        let qp = queryPositions.map { Int32($0) }
        let scratch = AttentionScratch()
        // Statistics of the other layer must not be touched.
        let other = cache.slotBase(layer: 0, head: 0)
        cache.stepStatistics.columnSum[other] = 42

        flatQueries.withUnsafeBufferPointer { qb in
            qp.withUnsafeBufferPointer { pb in
                output.withUnsafeMutableBufferPointer { ob in
                    CacheAttention.attend(
                        CacheAttention.Parameters(
                            cache: cache, layer: layer, queries: qb.baseAddress!, queryStride: queryStride,
                            queryCount: c.q, queryPositions: pb.baseAddress!, headCount: c.headCount, scale: scale,
                            slidingWindow: c.window, softCap: c.softCap, collectStatistics: true,
                            rope: c.streaming ? rope : nil,
                            output: ob.baseAddress!, outputStride: outputStride), scratch: scratch)
                }
            }
        }

        var worst = 0.0
        for i in 0..<c.q {
            for t in 0..<(c.headCount * d) {
                worst = max(worst, abs(Double(output[i * outputStride + t]) - reference.output[i][t]))
            }
        }
        #expect(worst < Self.outputTolerance, "output max error \(worst)")

        let step = cache.stepStatistics
        var worstStat = 0.0
        var squaresGap = 0.0
        for h in 0..<c.kvHeads {
            let base = cache.slotBase(layer: layer, head: h)
            for j in 0..<n {
                // Relative to the value for column sums of many queries.
                func error(_ x: Float, _ y: Double) -> Double { abs(Double(x) - y) / max(1, abs(y)) }
                worstStat = max(worstStat, error(step.columnSum[base + j], reference.columnSum[h][j]))
                worstStat = max(worstStat, error(step.columnSquareSum[base + j], reference.columnSquareSum[h][j]))
                worstStat = max(worstStat, error(step.lastRow[base + j], reference.lastRow[h][j]))
                squaresGap = max(squaresGap, abs(reference.meanOfSquares[h][j] - reference.columnSquareSum[h][j]))
            }
        }
        #expect(worstStat < Self.statisticTolerance, "statistics max error \(worstStat)")
        // Each query's group-mean row sums to 1, so the column sums add up to the query count.
        for h in 0..<c.kvHeads {
            let base = cache.slotBase(layer: layer, head: h)
            let total = (0..<n).reduce(0.0) { $0 + Double(step.columnSum[base + $1]) }
            #expect(abs(total - Double(c.q)) < 1e-3 * Double(c.q))
        }
        if c.rep > 1 && c.queryScale > 1 {
            // GQA: averaging after squaring would be measurably different (spec §2.2).
            #expect(squaresGap > 100 * Self.statisticTolerance, "case does not separate the two orders: \(squaresGap)")
        }
        #expect(cache.stepStatistics.columnSum[other] == 42)
    }

    /// A constructed GQA case where the order of averaging and squaring matters: two query heads
    /// of one KV head, one attending only to slot 0, the other only to slot 1. Group mean
    /// ā = (½, ½) so Σā² = ¼ each; averaging after squaring would give ½.
    @Test func groupMeanIsTakenBeforeSquaring() {
        let d = 2
        let cache = KVCache(layerCount: 1, kvHeadCount: 1, headDim: d, capacity: 2)
        _ = try? cache.reserve(layer: 0, count: 2)
        // Keys far apart so the softmax is (almost exactly) one-hot.
        let k = cache.keyPointer(layer: 0, head: 0)
        k[0] = 1
        k[1] = 0
        k[2] = 0
        k[3] = 1
        let v = cache.valuePointer(layer: 0, head: 0)
        v[0] = 1
        v[1] = 0
        v[2] = 0
        v[3] = 1
        for j in 0..<2 { cache.positionPointer(layer: 0, head: 0)[j] = Int32(j) }
        // Chunk of two queries over nOld = 0: only the second sees both slots; make the first
        // query identical so that its row is (1, 0) for both heads.
        let big: Float = 60
        let queries: [Float] = [
            big, 0, big, 0,  // query 0: heads 0 and 1
            big, 0, 0, big,  // query 1: head 0 → slot 0, head 1 → slot 1
        ]
        var output = [Float](repeating: 0, count: 2 * 2 * d)
        let positions: [Int32] = [0, 1]
        CacheAttention.attend(
            cache: cache, layer: 0, queries: queries, queryStride: 2 * d, queryCount: 2, queryPositions: positions,
            headCount: 2, scale: 1, slidingWindow: nil, collectStatistics: true, rope: nil, output: &output,
            outputStride: 2 * d, scratch: AttentionScratch())
        let s = cache.stepStatistics
        // Query 0 sees only slot 0: ā = (1, ·). Query 1: head 0 → slot 0, head 1 → slot 1: ā = (½, ½).
        #expect(abs(s.columnSum[0] - 1.5) < 1e-5)
        #expect(abs(s.columnSum[1] - 0.5) < 1e-5)
        #expect(abs(s.columnSquareSum[0] - 1.25) < 1e-5)  // 1² + ½²; squaring first would give 1 + ½
        #expect(abs(s.columnSquareSum[1] - 0.25) < 1e-5)  // ½²; squaring first would give ½
        #expect(abs(s.lastRow[0] - 0.5) < 1e-5 && abs(s.lastRow[1] - 0.5) < 1e-5)
        // Outputs: head 1 of query 1 reads value 1 = (0, 1).
        #expect(abs(output[2 * d + d] - 0) < 1e-5 && abs(output[2 * d + d + 1] - 1) < 1e-5)
    }

    /// Without `collectStatistics` the step statistics are left as they were and the output is
    /// unchanged.
    @Test func statisticsOnlyWhenAsked() throws {
        let d = 4
        let n = 6
        let cache = KVCache(layerCount: 1, kvHeadCount: 1, headDim: d, capacity: n)
        _ = try cache.reserve(layer: 0, count: n)
        var data = TestData(seed: 7)
        for i in 0..<(n * d) {
            cache.keyPointer(layer: 0, head: 0)[i] = data.uniform()
            cache.valuePointer(layer: 0, head: 0)[i] = data.uniform()
        }
        for j in 0..<n { cache.cells.positions[j] = Int32(j) }
        let queries = (0..<(2 * 2 * d)).map { _ in data.uniform() }
        let positions: [Int32] = [4, 5]
        func run(collect: Bool) -> [Float] {
            var out = [Float](repeating: 0, count: 2 * 2 * d)
            CacheAttention.attend(
                cache: cache, layer: 0, queries: queries, queryStride: 2 * d, queryCount: 2, queryPositions: positions,
                headCount: 2, scale: 0.5, slidingWindow: nil, collectStatistics: collect, rope: nil, output: &out,
                outputStride: 2 * d, scratch: AttentionScratch())
            return out
        }
        for j in 0..<n {
            cache.stepStatistics.columnSum[j] = -7
            cache.stepStatistics.columnSquareSum[j] = -7
            cache.stepStatistics.lastRow[j] = -7
        }
        let without = run(collect: false)
        for j in 0..<n {
            #expect(cache.stepStatistics.columnSum[j] == -7 && cache.stepStatistics.columnSquareSum[j] == -7)
            #expect(cache.stepStatistics.lastRow[j] == -7)
        }
        let with = run(collect: true)
        #expect(without == with)
        #expect(cache.stepStatistics.columnSum[0] > 0)
    }

    /// The per-KV-head entry point (what the model runs on its workers, one scratch each) gives
    /// the same outputs and statistics as the whole-layer call, in any head order.
    @Test func perKVHeadCallsMatchTheLayerCall() throws {
        let (heads, kvHeads, d, nOld, q) = (6, 3, 8, 9, 140)
        let n = nOld + q
        var data = TestData(seed: 99)
        let cache = try Self.randomCache(kvHeads: kvHeads, headDim: d, slots: n, data: &data)
        let queries = (0..<(q * heads * d)).map { _ in data.uniform() * 2 }
        let positions = (0..<q).map { Int32(nOld + $0) }
        var whole = [Float](repeating: 0, count: q * heads * d)
        CacheAttention.attend(
            cache: cache, layer: 0, queries: queries, queryStride: heads * d, queryCount: q, queryPositions: positions,
            headCount: heads, scale: 0.3, slidingWindow: nil, collectStatistics: true, rope: nil, output: &whole,
            outputStride: heads * d, scratch: AttentionScratch())
        let slots = kvHeads * n
        let sums = Array(UnsafeBufferPointer(start: cache.stepStatistics.columnSum, count: slots))
        let squares = Array(UnsafeBufferPointer(start: cache.stepStatistics.columnSquareSum, count: slots))
        let last = Array(UnsafeBufferPointer(start: cache.stepStatistics.lastRow, count: slots))
        var split = [Float](repeating: 0, count: q * heads * d)
        for kvh in (0..<kvHeads).reversed() {
            CacheAttention.attend(
                cache: cache, layer: 0, kvHead: kvh, queries: queries, queryStride: heads * d, queryCount: q,
                queryPositions: positions, headCount: heads, scale: 0.3, slidingWindow: nil, collectStatistics: true,
                rope: nil, output: &split, outputStride: heads * d, scratch: AttentionScratch())
        }
        #expect(split == whole)
        #expect(Array(UnsafeBufferPointer(start: cache.stepStatistics.columnSum, count: slots)) == sums)
        #expect(Array(UnsafeBufferPointer(start: cache.stepStatistics.columnSquareSum, count: slots)) == squares)
        #expect(Array(UnsafeBufferPointer(start: cache.stepStatistics.lastRow, count: slots)) == last)
        #expect(sums.contains { $0 > 0 })
    }

    /// What the model does for a lone long chunk: each block of 32 queries of each KV head as
    /// its own call, in any order (on any worker), with its own statistics rows, then `reduce`
    /// in block order. Outputs and statistics equal the one-pass call bit for bit, so the split
    /// never changes an eviction. 300 queries: nine blocks of 32 and 288..<300.
    @Test func blocksComputedApartThenReducedMatchOnePass() throws {
        let (heads, kvHeads, d, nOld, q) = (6, 3, 8, 50, 300)
        let n = nOld + q
        var data = TestData(seed: 7)
        let cache = try Self.randomCache(kvHeads: kvHeads, headDim: d, slots: n, data: &data)
        let queries = (0..<(q * heads * d)).map { _ in data.uniform() * 3 }
        let positions = (0..<q).map { Int32(nOld + $0) }
        let slots = kvHeads * n
        func statistics() -> [[Float]] {
            [cache.stepStatistics.columnSum, cache.stepStatistics.columnSquareSum, cache.stepStatistics.lastRow].map {
                Array(UnsafeMutableBufferPointer(start: $0, count: slots))
            }
        }
        var whole = [Float](repeating: 0, count: q * heads * d)
        CacheAttention.attend(
            cache: cache, layer: 0, queries: queries, queryStride: heads * d, queryCount: q, queryPositions: positions,
            headCount: heads, scale: 0.4, slidingWindow: nil, collectStatistics: true, rope: nil, output: &whole,
            outputStride: heads * d, scratch: AttentionScratch())
        let expected = statistics()

        let blocks = CacheAttention.queryBlocks(q)
        #expect(CacheAttention.blockQueries == 32)
        #expect(blocks == (0..<9).map { 32 * $0..<32 * ($0 + 1) } + [288..<300])
        // Garbage in the cache's statistics first: reduce must overwrite, not add.
        for k in 0..<slots { cache.stepStatistics.columnSum[k] = 9 }
        var split = [Float](repeating: 0, count: q * heads * d)
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: kvHeads * blocks.count * 3 * n)
        defer { rows.deallocate() }
        rows.initialize(repeating: -1, count: kvHeads * blocks.count * 3 * n)
        func partial(_ kvh: Int, _ b: Int) -> CacheAttention.StatisticsRows {
            CacheAttention.StatisticsRows(packed: rows + (kvh * blocks.count + b) * 3 * n, count: n)
        }
        let scratch = AttentionScratch()
        // Every (head, block) once, scrambled: position i runs pair 7·i mod 30.
        let pairs = (0..<kvHeads).flatMap { kvh in blocks.indices.map { (kvh, $0) } }
        for (kvh, b) in pairs.indices.map({ pairs[(7 * $0) % pairs.count] }) {
            CacheAttention.attend(
                cache: cache, layer: 0, kvHead: kvh, queries: queries, queryStride: heads * d, queryCount: q,
                queryPositions: positions, headCount: heads, scale: 0.4, slidingWindow: nil, collectStatistics: true,
                rope: nil, output: &split, outputStride: heads * d, scratch: scratch, queryRange: blocks[b],
                statistics: partial(kvh, b))
        }
        for kvh in 0..<kvHeads {
            CacheAttention.reduce((0..<blocks.count).map { partial(kvh, $0) }, into: cache, layer: 0, kvHead: kvh)
        }
        #expect(split == whole)
        let got = statistics()
        #expect(got[0] == expected[0])
        #expect(got[1] == expected[1])
        #expect(got[2] == expected[2])
        #expect(expected[2].contains { $0 > 0 } && expected[0].allSatisfy { $0 < 9 })
        // The per-block sums differ from the one-pass total, so the test sees the reduction.
        #expect(Array(UnsafeMutableBufferPointer(start: partial(0, 0).sum, count: n)) != Array(expected[0][0..<n]))
    }

    /// One layer of `slots` random keys and values per KV head, positions 0, 1, 2, …
    static func randomCache(kvHeads: Int, headDim d: Int, slots n: Int, data: inout TestData) throws -> KVCache {
        let cache = KVCache(layerCount: 1, kvHeadCount: kvHeads, headDim: d, capacity: n)
        _ = try cache.reserve(layer: 0, count: n)
        for i in 0..<(kvHeads * n * d) {
            cache.keyPointer(layer: 0, head: 0)[i] = data.uniform()
            cache.valuePointer(layer: 0, head: 0)[i] = data.uniform()
        }
        for h in 0..<kvHeads { for j in 0..<n { cache.positionPointer(layer: 0, head: h)[j] = Int32(j) } }
        return cache
    }
}

extension CacheAttention {
    /// Test shorthand over arrays: the pointers live for the call only.
    static func attend(
        cache: KVCache, layer: Int, kvHead: Int? = nil, queries: [Float], queryStride: Int, queryCount: Int,
        queryPositions: [Int32], headCount: Int, scale: Float, slidingWindow: Int?, collectStatistics: Bool,
        rope: Rope?, output: inout [Float], outputStride: Int, scratch: AttentionScratch, queryRange: Range<Int>? = nil,
        statistics: StatisticsRows? = nil
    ) {
        queries.withUnsafeBufferPointer { q in
            queryPositions.withUnsafeBufferPointer { p in
                output.withUnsafeMutableBufferPointer { o in
                    let parameters = Parameters(
                        cache: cache, layer: layer, queries: q.baseAddress!, queryStride: queryStride,
                        queryCount: queryCount, queryPositions: p.baseAddress!, headCount: headCount, scale: scale,
                        slidingWindow: slidingWindow, collectStatistics: collectStatistics, rope: rope,
                        output: o.baseAddress!, outputStride: outputStride)
                    if let kvHead {
                        attend(
                            parameters, kvHead: kvHead, scratch: scratch, queryRange: queryRange,
                            statistics: statistics)
                    } else {
                        attend(parameters, scratch: scratch)
                    }
                }
            }
        }
    }
}
