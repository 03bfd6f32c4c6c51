import KVCaches
import Kernels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Attention over quantized keys and values (issue 15): exactly the attention of the decoded rows
/// (the naive reference on what the blocks decode to), and within a derived bound of the fp32
/// attention of the rows before quantization.
@Suite struct QuantizedAttentionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let attention: AttentionCase
        let keys: KVFormat
        let values: KVFormat
        var testDescription: String { "\(attention.name), \(keys)/\(values)" }
    }

    /// Outputs and statistics against the naive reference on the decoded rows, as for fp32.
    static let tolerance = 2e-5

    static let cases: [Case] = [
        Case(
            attention: AttentionCase(
                name: "GQA prefill, 2 blocks", headCount: 6, kvHeads: 2, headDim: 64, nOld: 5, q: 40),
            keys: .q8_0, values: .q8_0),
        Case(
            attention: AttentionCase(name: "decode, GQA", headCount: 4, kvHeads: 2, headDim: 64, nOld: 70, q: 1),
            keys: .q8_0, values: .q8_0),
        Case(
            attention: AttentionCase(name: "decode, GQA", headCount: 4, kvHeads: 2, headDim: 64, nOld: 70, q: 1),
            keys: .q8_0, values: .q4_0),
        Case(
            attention: AttentionCase(
                name: "sliding window", headCount: 4, kvHeads: 2, headDim: 32, nOld: 20, q: 12, window: 9),
            keys: .q8_0, values: .q4_1),
        Case(
            attention: AttentionCase(
                name: "streaming positions", headCount: 4, kvHeads: 2, headDim: 32, nOld: 6, q: 5, streaming: true),
            keys: .q8_0, values: .q8_0),
        Case(
            attention: AttentionCase(
                name: "MQA, streaming decode", headCount: 3, kvHeads: 1, headDim: 64, nOld: 30, q: 1, streaming: true,
                queryScale: 3),
            keys: .q8_0, values: .q4_0),
        Case(
            attention: AttentionCase(
                name: "fp32 keys, q4 values", headCount: 4, kvHeads: 2, headDim: 64, nOld: 9, q: 7),
            keys: .f32, values: .q4_1),
    ]

    @Test(arguments: cases)
    func matchesReferenceOnDecodedRows(_ t: Case) throws {
        let c = t.attention
        let n = c.nOld + c.q
        let d = c.headDim
        let layers = 2
        let layer = 1
        let cache = KVCache(
            layerCount: layers, kvHeadCount: c.kvHeads, headDim: d, capacity: n + 2, streamingPositions: c.streaming,
            keyFormat: t.keys, valueFormat: t.values)
        var data = TestData(seed: UInt64(n * 17 + d))
        let rope = Rope(dimensionCount: d, base: 10000)
        var keys: [[Float]] = []  // as written
        var values: [[Float]] = []
        var decodedKeys: [[Float]] = []  // as stored
        var decodedValues: [[Float]] = []
        var positions: [[Int]] = []
        for l in 0..<layers {
            _ = try cache.reserve(layer: l, count: n)
            for h in 0..<c.kvHeads {
                let k = (0..<(n * d)).map { _ in data.uniform() }
                let v = (0..<(n * d)).map { _ in data.uniform() * 0.5 }
                let p = (0..<n).map { 3 * $0 + h }
                for j in 0..<n {
                    k.withUnsafeBufferPointer { kb in
                        v.withUnsafeBufferPointer { vb in
                            cache.storage.write(
                                layer: l, head: h, slot: j, key: kb.baseAddress! + j * d, value: vb.baseAddress! + j * d
                            )
                        }
                    }
                    cache.positionPointer(layer: l, head: h)[j] = Int32(p[j])
                }
                if l == layer {
                    var dk = [Float](repeating: .nan, count: n * d)
                    var dv = dk
                    cache.storage.readKeys(layer: l, head: h, rows: n, into: &dk)
                    cache.storage.readValues(layer: l, head: h, rows: n, into: &dv)
                    keys.append(k)
                    values.append(v)
                    decodedKeys.append(dk)
                    decodedValues.append(dv)
                    positions.append(p)
                }
            }
        }
        // The formats really quantize (or really keep fp32).
        #expect((decodedKeys[0] == keys[0]) == (t.keys == .f32))
        #expect((decodedValues[0] == values[0]) == (t.values == .f32))

        let queryPositions = (0..<c.q).map { i in c.streaming ? c.nOld + i : 3 * c.nOld + i }
        let queries: [[Float]] = (0..<c.q).map { _ in (0..<(c.headCount * d)).map { _ in data.uniform() * c.queryScale }
        }
        let scale = 1 / Float(d).squareRoot()
        func reference(_ k: [[Float]], _ v: [[Float]]) -> NaiveAttention {
            var k = k
            var p = positions
            if c.streaming {
                for h in 0..<c.kvHeads {
                    k[h].withUnsafeMutableBufferPointer { kb in
                        for j in 0..<n { rope.apply(kb.baseAddress! + j * d, heads: 1, headDim: d, position: j) }
                    }
                    p[h] = Array(0..<n)
                }
            }
            return NaiveAttention(
                c: c, keys: k, values: v, keyPositions: p, queries: queries, queryPositions: queryPositions,
                scale: scale)
        }
        let onDecoded = reference(decodedKeys, decodedValues)
        let onOriginal = reference(keys, values)

        let stride = c.headCount * d
        var output = [Float](repeating: .nan, count: c.q * stride)
        CacheAttention.attend(
            cache: cache, layer: layer, queries: queries.flatMap { $0 }, queryStride: stride, queryCount: c.q,
            queryPositions: queryPositions.map(Int32.init), headCount: c.headCount, scale: scale,
            slidingWindow: c.window, collectStatistics: true, rope: c.streaming ? rope : nil, output: &output,
            outputStride: stride, scratch: AttentionScratch())

        var worst = 0.0
        var worstVsFP32 = 0.0
        for i in 0..<c.q {
            // |o − ô| ≤ Δv + max|v| · ‖p − p̂‖₁, and scores moved by at most δ give
            // ‖p − p̂‖₁ ≤ e^{2δ} − 1, with δ = scale · Σ|q| · max key error for the query head.
            for hq in 0..<c.headCount {
                let kvh = hq / c.rep
                let keyError = zip(keys[kvh], decodedKeys[kvh]).map { Double(abs($0 - $1)) }.max()!
                let valueError = zip(values[kvh], decodedValues[kvh]).map { Double(abs($0 - $1)) }.max()!
                let maxValue = values[kvh].map { Double(abs($0)) }.max()!
                let q1 = queries[i][(hq * d)..<((hq + 1) * d)].reduce(0.0) { $0 + Double(abs($1)) }
                let delta = Double(scale) * q1 * keyError
                let bound = valueError + maxValue * (exp(2 * delta) - 1)
                for t in (hq * d)..<((hq + 1) * d) {
                    worst = max(worst, abs(Double(output[i * stride + t]) - onDecoded.output[i][t]))
                    let e = abs(Double(output[i * stride + t]) - onOriginal.output[i][t])
                    worstVsFP32 = max(worstVsFP32, e)
                    #expect(e <= bound + Self.tolerance, "query \(i) head \(hq) element \(t): \(e) > \(bound)")
                }
            }
        }
        #expect(worst < Self.tolerance, "output vs decoded rows: \(worst)")
        #expect(worstVsFP32 > Self.tolerance, "the quantization error must show against fp32")
        for h in 0..<c.kvHeads {
            let base = cache.slotBase(layer: layer, head: h)
            for j in 0..<n {
                let s = cache.stepStatistics
                #expect(abs(Double(s.columnSum[base + j]) - onDecoded.columnSum[h][j]) < Self.tolerance)
                #expect(abs(Double(s.columnSquareSum[base + j]) - onDecoded.columnSquareSum[h][j]) < Self.tolerance)
                #expect(abs(Double(s.lastRow[base + j]) - onDecoded.lastRow[h][j]) < Self.tolerance)
            }
        }
    }

    /// Blocks of one head computed apart and reduced equal the one-pass call bit for bit with
    /// quantized storage too (each call decodes the rows it needs), so the attention scheduler's
    /// split never changes an eviction.
    @Test func blocksComputedApartMatchOnePass() throws {
        let (heads, kvHeads, d, nOld, q) = (6, 3, 64, 20, 100)
        let n = nOld + q
        let cache = KVCache(
            layerCount: 1, kvHeadCount: kvHeads, headDim: d, capacity: n, keyFormat: .q8_0, valueFormat: .q4_0)
        var data = TestData(seed: 5)
        _ = try cache.reserve(layer: 0, count: n)
        for h in 0..<kvHeads {
            for j in 0..<n {
                let k = (0..<d).map { _ in data.uniform() }
                let v = (0..<d).map { _ in data.uniform() }
                cache.storage.write(layer: 0, head: h, slot: j, key: k, value: v)
                cache.positionPointer(layer: 0, head: h)[j] = Int32(j)
            }
        }
        let queries = (0..<(q * heads * d)).map { _ in data.uniform() * 2 }
        let positions = (0..<q).map { Int32(nOld + $0) }
        var whole = [Float](repeating: 0, count: q * heads * d)
        CacheAttention.attend(
            cache: cache, layer: 0, queries: queries, queryStride: heads * d, queryCount: q, queryPositions: positions,
            headCount: heads, scale: 0.2, slidingWindow: nil, collectStatistics: true, rope: nil, output: &whole,
            outputStride: heads * d, scratch: AttentionScratch())
        let sums = Array(UnsafeBufferPointer(start: cache.stepStatistics.columnSum, count: kvHeads * n))
        let blocks = CacheAttention.queryBlocks(q)
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: kvHeads * blocks.count * 3 * n)
        defer { rows.deallocate() }
        func partial(_ kvh: Int, _ b: Int) -> CacheAttention.StatisticsRows {
            CacheAttention.StatisticsRows(packed: rows + (kvh * blocks.count + b) * 3 * n, count: n)
        }
        var split = [Float](repeating: 0, count: q * heads * d)
        let scratch = AttentionScratch()
        for b in blocks.indices.reversed() {
            for kvh in 0..<kvHeads {
                CacheAttention.attend(
                    cache: cache, layer: 0, kvHead: kvh, queries: queries, queryStride: heads * d, queryCount: q,
                    queryPositions: positions, headCount: heads, scale: 0.2, slidingWindow: nil,
                    collectStatistics: true, rope: nil, output: &split, outputStride: heads * d, scratch: scratch,
                    queryRange: blocks[b], statistics: partial(kvh, b))
            }
        }
        for kvh in 0..<kvHeads {
            CacheAttention.reduce((0..<blocks.count).map { partial(kvh, $0) }, into: cache, layer: 0, kvHead: kvh)
        }
        #expect(split == whole)
        #expect(Array(UnsafeBufferPointer(start: cache.stepStatistics.columnSum, count: kvHeads * n)) == sums)
    }
}
