import Kernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Probe rows (`ProbeKind`): extra queries that run in a prompt step's forward, attend to the
/// whole cache and causally to each other, and leave their attention in the cache's probe
/// statistics — without their keys and values ever entering the cache, so no slot and no
/// position is spent on them. Kept apart from `attend` (whose statistics and blocking the EasyKV
/// policies rely on).
extension CacheAttention {
    /// One sequence's probe rows against one layer.
    public struct ProbeParameters {
        public var cache: KVCache
        public var layer: Int
        /// `count` rows of `headCount · headDim` rotated queries, row stride `queryStride`.
        public var queries: UnsafePointer<Float>
        public var queryStride: Int
        /// The probe rows' own rotated keys and values: `count` rows of `kvHeadCount · headDim`,
        /// row stride `keyValueStride`.
        public var keys: UnsafePointer<Float>
        public var values: UnsafePointer<Float>
        public var keyValueStride: Int
        public var count: Int
        public var headCount: Int
        /// Score scale, `1/√headDim`.
        public var scale: Float
        /// Reconstruction scoring: the maximum is taken under a softmax over the first `sink`
        /// slots, these slots and the probe rows only (KVzip's key subsample, arXiv 2505.23416),
        /// and set for these slots alone. Nil: the maximum of the attention itself, every slot.
        public var restrictedTo: Range<Int>?
        public var sink: Int
        /// `count` rows of `headCount · headDim`, row stride `outputStride`.
        public var output: UnsafeMutablePointer<Float>
        public var outputStride: Int

        public init(
            cache: KVCache, layer: Int, queries: UnsafePointer<Float>, queryStride: Int, keys: UnsafePointer<Float>,
            values: UnsafePointer<Float>, keyValueStride: Int, count: Int, headCount: Int, scale: Float,
            restrictedTo: Range<Int>? = nil, sink: Int = 0, output: UnsafeMutablePointer<Float>, outputStride: Int
        ) {
            self.cache = cache
            self.layer = layer
            self.queries = queries
            self.queryStride = queryStride
            self.keys = keys
            self.values = values
            self.keyValueStride = keyValueStride
            self.count = count
            self.headCount = headCount
            self.scale = scale
            self.restrictedTo = restrictedTo
            self.sink = sink
            self.output = output
            self.outputStride = outputStride
        }
    }

    /// The probe rows of one KV head's group: their attention output, and in the cache's probe
    /// statistics of (layer, `kvh`) the column sums of the group-mean probabilities over the
    /// cache slots and their maxima over rows and query heads. Rows go in blocks of
    /// `blockQueries`; each sees every cache slot and the probe rows up to itself.
    public static func attendProbe(_ p: ProbeParameters, kvHead kvh: Int, scratch: AttentionScratch) {
        let cache = p.cache
        guard let statistics = cache.cells.probeStatistics else {
            preconditionFailure("probe rows need a cache made with probes: true")
        }
        let d = cache.headDim
        let n = cache.counts[p.layer]
        let m = p.count
        precondition(p.headCount % cache.kvHeadCount == 0)
        let rep = p.headCount / cache.kvHeadCount
        let block = min(m, blockQueries)
        let width = n + m
        AttentionScratch.ensure(&scratch.scores, &scratch.scoresCapacity, block * rep * width)
        AttentionScratch.ensure(&scratch.queries, &scratch.queriesCapacity, block * rep * d)
        AttentionScratch.ensure(&scratch.output, &scratch.outputCapacity, block * rep * d)
        let invRep = 1 / Float(rep)
        let keys = UnsafePointer(cache.keyPointer(layer: p.layer, head: kvh))
        let values = UnsafePointer(cache.valuePointer(layer: p.layer, head: kvh))
        let probeKeys = p.keys + kvh * d
        let probeValues = p.values + kvh * d
        let rows = statistics.rows(base: cache.slotBase(layer: p.layer, head: kvh))
        rows.sum.update(repeating: 0, count: n)
        rows.maximum.update(repeating: 0, count: n)
        let restricted = p.restrictedTo.map { $0.clamped(to: 0..<n) }
        let sink = min(p.sink, restricted?.lowerBound ?? 0)

        var i0 = 0
        while i0 < m {
            let b = min(block, m - i0)
            let blockRows = b * rep
            // Columns: the n cache slots, then probe rows 0..<i0+b (row i sees n + i + 1).
            let ldc = n + i0 + b
            let scores = scratch.scores
            for i in 0..<b {
                for r in 0..<rep {
                    (scratch.queries + (i * rep + r) * d).update(
                        from: p.queries + (i0 + i) * p.queryStride + (kvh * rep + r) * d, count: d)
                }
            }
            Matmul.timesTransposed(
                scratch.queries, rows: blockRows, keys, rows: n, inner: d, into: scores, ldc: ldc, alpha: p.scale)
            Matmul.timesTransposed(
                scratch.queries, rows: blockRows, probeKeys, rows: i0 + b, ldb: p.keyValueStride, inner: d,
                into: scores + n, ldc: ldc, alpha: p.scale)
            for i in 0..<b {
                let visible = n + i0 + i + 1
                for r in 0..<rep {
                    let row = scores + (i * rep + r) * ldc
                    if let restricted {
                        restrictedMaximum(
                            row, sink: sink, slots: restricted, probe: n..<visible, into: rows.maximum)
                    }
                    Softmax.inPlace(row, count: visible)
                    if visible < ldc { (row + visible).update(repeating: 0, count: ldc - visible) }
                }
                let row0 = scores + i * rep * ldc
                for j in 0..<n {
                    var a: Float = 0
                    var top: Float = 0
                    for r in 0..<rep {
                        let v = row0[r * ldc + j]
                        a += v
                        top = max(top, v)
                    }
                    rows.sum[j] += a * invRep
                    if restricted == nil { rows.maximum[j] = max(rows.maximum[j], top) }
                }
            }
            Matmul.times(scores, rows: blockRows, lda: ldc, values, columns: d, inner: n, into: scratch.output)
            Matmul.times(
                scores + n, rows: blockRows, lda: ldc, probeValues, columns: d, ldb: p.keyValueStride, inner: i0 + b,
                into: scratch.output, beta: 1)
            for i in 0..<b {
                for r in 0..<rep {
                    (p.output + (i0 + i) * p.outputStride + (kvh * rep + r) * d).update(
                        from: scratch.output + (i * rep + r) * d, count: d)
                }
            }
            i0 += b
        }
    }

    /// KVzip's score of one probe query row: the softmax of its raw scores over the sink, `slots`
    /// and the visible probe columns only, maxed into `maximum` for `slots`.
    static func restrictedMaximum(
        _ row: UnsafePointer<Float>, sink: Int, slots: Range<Int>, probe: Range<Int>,
        into maximum: UnsafeMutablePointer<Float>
    ) {
        var top = -Float.infinity
        for j in 0..<sink { top = max(top, row[j]) }
        for j in slots { top = max(top, row[j]) }
        for j in probe { top = max(top, row[j]) }
        var total: Float = 0
        for j in 0..<sink { total += expf(row[j] - top) }
        for j in slots { total += expf(row[j] - top) }
        for j in probe { total += expf(row[j] - top) }
        let inverse = 1 / total
        for j in slots { maximum[j] = max(maximum[j], expf(row[j] - top) * inverse) }
    }
}
