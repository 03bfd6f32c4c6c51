import KVCaches
import Kernels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Probe rows against a naive Double reference: each probe row sees every cache slot and the
/// probe rows up to itself; the statistics are the column sums of the group-mean probabilities
/// over the cache slots and their maxima over rows and query heads, or, restricted (KVzip), the
/// maxima under a softmax over the sink, the restricted slots and the probe rows only.
@Suite struct CacheAttentionProbeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var headCount: Int
        var kvHeads: Int
        var headDim: Int
        var n: Int
        var m: Int
        var restricted: Range<Int>?
        var sink = 0
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "MHA 1 row", headCount: 2, kvHeads: 2, headDim: 8, n: 5, m: 1),
        Case(name: "GQA 3 rows", headCount: 6, kvHeads: 2, headDim: 8, n: 40, m: 3),
        Case(name: "GQA 70 rows in blocks", headCount: 4, kvHeads: 1, headDim: 16, n: 33, m: 70),
        Case(
            name: "restricted, sink 2", headCount: 6, kvHeads: 3, headDim: 8, n: 50, m: 37, restricted: 30..<50, sink: 2
        ),
    ]

    @Test(arguments: cases)
    func matchesNaiveReference(_ c: Case) throws {
        var data = TestData(seed: UInt64(c.n * 31 + c.m))
        let d = c.headDim
        let rep = c.headCount / c.kvHeads
        let cache = KVCache(layerCount: 1, kvHeadCount: c.kvHeads, headDim: d, capacity: c.n, probes: true)
        _ = try cache.reserve(layer: 0, count: c.n)
        var keys: [[Float]] = []
        var values: [[Float]] = []
        for h in 0..<c.kvHeads {
            let k = (0..<(c.n * d)).map { _ in data.uniform() * 2 }
            let v = (0..<(c.n * d)).map { _ in data.uniform() }
            cache.keyPointer(layer: 0, head: h).update(from: k, count: k.count)
            cache.valuePointer(layer: 0, head: h).update(from: v, count: v.count)
            keys.append(k)
            values.append(v)
        }
        // Probe rows as the forward lays them out: [q | k | v] per row.
        let width = (c.headCount + 2 * c.kvHeads) * d
        let rows = (0..<(c.m * width)).map { _ in data.uniform() * 2 }
        var output = [Float](repeating: 0, count: c.m * c.headCount * d)
        let scale = 1 / Float(d).squareRoot()
        rows.withUnsafeBufferPointer { r in
            output.withUnsafeMutableBufferPointer { o in
                let p = CacheAttention.ProbeParameters(
                    cache: cache, layer: 0, queries: r.baseAddress!, queryStride: width,
                    keys: r.baseAddress! + c.headCount * d, values: r.baseAddress! + (c.headCount + c.kvHeads) * d,
                    keyValueStride: width, count: c.m, headCount: c.headCount, scale: scale,
                    restrictedTo: c.restricted, sink: c.sink, output: o.baseAddress!, outputStride: c.headCount * d)
                let scratch = AttentionScratch()
                for h in 0..<c.kvHeads { CacheAttention.attendProbe(p, kvHead: h, scratch: scratch) }
            }
        }
        let stats = try #require(cache.cells.probeStatistics)
        for h in 0..<c.kvHeads {
            var sum = [Double](repeating: 0, count: c.n)
            var maximum = [Double](repeating: 0, count: c.n)
            for i in 0..<c.m {
                var groupMean = [Double](repeating: 0, count: c.n)
                for r in 0..<rep {
                    let hq = h * rep + r
                    let query = Array(rows[(i * width + hq * d)..<(i * width + hq * d + d)])
                    // Columns: cache slots, then probe rows 0...i.
                    var logits: [Double] = []
                    for j in 0..<c.n {
                        logits.append(dot(query, Array(keys[h][(j * d)..<(j * d + d)])) * Double(scale))
                    }
                    for t in 0...i {
                        let k = Array(
                            rows[(t * width + (c.headCount + h) * d)..<(t * width + (c.headCount + h) * d + d)])
                        logits.append(dot(query, k) * Double(scale))
                    }
                    let p = softmax(logits)
                    for t in 0..<d {
                        var o = 0.0
                        for j in 0..<c.n { o += p[j] * Double(values[h][j * d + t]) }
                        for u in 0...i {
                            o += p[c.n + u] * Double(rows[u * width + (c.headCount + c.kvHeads + h) * d + t])
                        }
                        let got = Double(output[i * c.headCount * d + hq * d + t])
                        #expect(abs(got - o) < 1e-4, "output row \(i) head \(hq) dim \(t)")
                    }
                    for j in 0..<c.n { groupMean[j] += p[j] / Double(rep) }
                    if let restricted = c.restricted {
                        let columns = Array(0..<c.sink) + Array(restricted) + Array(c.n..<(c.n + i + 1))
                        let q = softmax(columns.map { logits[$0] })
                        for (index, j) in columns.enumerated() where restricted.contains(j) {
                            maximum[j] = max(maximum[j], q[index])
                        }
                    } else {
                        for j in 0..<c.n { maximum[j] = max(maximum[j], p[j]) }
                    }
                }
                for j in 0..<c.n { sum[j] += groupMean[j] }
            }
            let rowsOfHead = stats.rows(base: cache.slotBase(layer: 0, head: h))
            for j in 0..<c.n {
                #expect(abs(Double(rowsOfHead.sum[j]) - sum[j]) < 1e-4, "sum head \(h) slot \(j)")
                #expect(abs(Double(rowsOfHead.maximum[j]) - maximum[j]) < 1e-5, "maximum head \(h) slot \(j)")
            }
        }
        // The cache did not grow: probe rows take no slot.
        #expect(cache.counts == [c.n])
    }

    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    func softmax(_ x: [Double]) -> [Double] {
        let m = x.max()!
        let e = x.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
