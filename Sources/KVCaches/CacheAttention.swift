import Kernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reusable buffers for `CacheAttention`, grown on demand and never shrunk.
public final class AttentionScratch: @unchecked Sendable {
    // @unchecked Sendable: used by one forward step at a time.
    var scores: UnsafeMutablePointer<Float>
    var scoresCapacity: Int
    var queries: UnsafeMutablePointer<Float>
    var queriesCapacity: Int
    var output: UnsafeMutablePointer<Float>
    var outputCapacity: Int
    /// Keys decoded from quantized storage or rotated for streaming positions (`rows · headDim`).
    var rotatedKeys: UnsafeMutablePointer<Float>
    var rotatedCapacity: Int
    /// Values decoded from quantized storage (`rows · headDim`).
    var decodedValues: UnsafeMutablePointer<Float>
    var decodedValuesCapacity: Int
    /// A block's column sums and sums of squares (2 · cacheLength), before they join the total.
    var blockStatistics: UnsafeMutablePointer<Float>
    var blockStatisticsCapacity: Int

    public init() {
        blockStatisticsCapacity = 0
        blockStatistics = .allocate(capacity: 1)
        scoresCapacity = 0
        queriesCapacity = 0
        outputCapacity = 0
        rotatedCapacity = 0
        decodedValuesCapacity = 0
        decodedValues = .allocate(capacity: 1)
        scores = .allocate(capacity: 1)
        queries = .allocate(capacity: 1)
        output = .allocate(capacity: 1)
        rotatedKeys = .allocate(capacity: 1)
    }

    deinit {
        scores.deallocate()
        queries.deallocate()
        output.deallocate()
        rotatedKeys.deallocate()
        decodedValues.deallocate()
        blockStatistics.deallocate()
    }

    /// Bytes currently held.
    public var bytes: Int {
        (scoresCapacity + queriesCapacity + outputCapacity + rotatedCapacity + decodedValuesCapacity
            + blockStatisticsCapacity) * 4
    }

    static func ensure(_ p: inout UnsafeMutablePointer<Float>, _ capacity: inout Int, _ needed: Int) {
        guard needed > capacity else { return }
        p.deallocate()
        p = .allocate(capacity: needed)
        capacity = needed
    }
}

/// Causal attention of a chunk of new tokens against one layer of a `KVCache`, with the
/// statistics eviction policies need computed in the same pass (DESIGN.md §4).
///
/// The new tokens' keys and values must already be in the cache at its last `queryCount` slots.
/// Per KV head, the queries of its group (query head `h` reads KV head `h / groupSize`, which
/// covers MHA, GQA and MQA) are stacked into one matrix, so scores and outputs are `sgemm`s.
/// Softmax probabilities are explicit fp32. Statistics are over the group mean ā of the
/// probabilities (EASYKV-SPEC §2.2) and never leave the kernel as a full matrix.
public enum CacheAttention {
    /// Where one call accumulates its statistics (each `cacheLength` floats): by default the
    /// cache's own step statistics; a caller that splits a head's queries across workers gives
    /// each slice its own rows and adds them up with `reduce` afterwards.
    public struct StatisticsRows {
        public var sum: UnsafeMutablePointer<Float>
        public var sumOfSquares: UnsafeMutablePointer<Float>
        public var lastRow: UnsafeMutablePointer<Float>

        public init(
            sum: UnsafeMutablePointer<Float>, sumOfSquares: UnsafeMutablePointer<Float>,
            lastRow: UnsafeMutablePointer<Float>
        ) {
            self.sum = sum
            self.sumOfSquares = sumOfSquares
            self.lastRow = lastRow
        }

        /// Three consecutive runs of `count` floats at `base`.
        public init(packed base: UnsafeMutablePointer<Float>, count: Int) {
            self.init(sum: base, sumOfSquares: base + count, lastRow: base + 2 * count)
        }
    }

    /// Sets the step statistics of one (layer, KV head) from those of its query blocks computed
    /// apart (`attend` with `queryRange` one block and `statistics` its own rows), given in block
    /// order: the same floats, bit for bit, as one `attend` over all the blocks. The last row
    /// comes from the block holding the last query (the others' are zero).
    public static func reduce(_ slices: [StatisticsRows], into cache: KVCache, layer: Int, kvHead: Int) {
        let n = cache.counts[layer]
        let base = cache.slotBase(layer: layer, head: kvHead)
        let sum = cache.stepStatistics.columnSum + base
        let sumSq = cache.stepStatistics.columnSquareSum + base
        let last = cache.stepStatistics.lastRow + base
        sum.update(repeating: 0, count: n)
        sumSq.update(repeating: 0, count: n)
        last.update(repeating: 0, count: n)
        for slice in slices {
            for j in 0..<n {
                sum[j] += slice.sum[j]
                sumSq[j] += slice.sumOfSquares[j]
                last[j] += slice.lastRow[j]
            }
        }
    }

    /// Queries processed per block, bounding the score buffer at
    /// `blockQueries · groupSize · cacheLength` floats.
    public static let blockQueries = 32

    /// The chunk's queries in blocks of `blockQueries`: the unit in which statistics are summed
    /// (see `attend`), so a caller may hand the blocks of one head to different workers.
    public static func queryBlocks(_ queryCount: Int) -> [Range<Int>] {
        stride(from: 0, to: queryCount, by: blockQueries).map { $0..<min(queryCount, $0 + blockQueries) }
    }

    /// One call's inputs: a chunk's queries against one layer of one sequence's cache.
    public struct Parameters {
        public var cache: KVCache
        public var layer: Int
        /// `queryCount` rows of `headCount · headDim` (already rotated), row stride `queryStride`.
        public var queries: UnsafePointer<Float>
        public var queryStride: Int
        public var queryCount: Int
        /// The position of each query, used for the sliding window (in streaming mode, slot indices).
        public var queryPositions: UnsafePointer<Int32>
        public var headCount: Int
        /// Score scale, `1/√headDim`.
        public var scale: Float
        /// Mistral's window: a query at position p sees keys at positions > p − window.
        public var slidingWindow: Int?
        /// Gemma 2: scaled scores become `softCap·tanh(s/softCap)` before the mask.
        public var softCap: Float?
        /// Whether to leave eviction statistics (column sums, squares, last row).
        public var collectStatistics: Bool
        /// In streaming mode, rotates cached keys by slot index.
        public var rope: Rope?
        /// `queryCount` rows of `headCount · headDim`, row stride `outputStride`.
        public var output: UnsafeMutablePointer<Float>
        public var outputStride: Int

        public init(
            cache: KVCache, layer: Int, queries: UnsafePointer<Float>, queryStride: Int, queryCount: Int,
            queryPositions: UnsafePointer<Int32>, headCount: Int, scale: Float, slidingWindow: Int? = nil,
            softCap: Float? = nil, collectStatistics: Bool = false, rope: Rope? = nil,
            output: UnsafeMutablePointer<Float>, outputStride: Int
        ) {
            self.cache = cache
            self.layer = layer
            self.queries = queries
            self.queryStride = queryStride
            self.queryCount = queryCount
            self.queryPositions = queryPositions
            self.headCount = headCount
            self.scale = scale
            self.slidingWindow = slidingWindow
            self.softCap = softCap
            self.collectStatistics = collectStatistics
            self.rope = rope
            self.output = output
            self.outputStride = outputStride
        }
    }

    /// Every KV head of the layer, one after the other, with one scratch.
    public static func attend(_ p: Parameters, scratch: AttentionScratch) {
        for kvh in 0..<p.cache.kvHeadCount { attend(p, kvHead: kvh, scratch: scratch) }
    }

    /// The same for one KV head and its group of query heads, so callers can run heads (and
    /// sequences) on different workers, each with its own scratch.
    /// - Parameters:
    ///   - queryRange: the chunk's queries this call computes (default: all), whole blocks of
    ///     `blockQueries` from the chunk's start. Blocks of one head may run on different workers:
    ///     they write disjoint output rows.
    ///   - statistics: where the statistics go (default: the cache's step statistics). Blocks that
    ///     run concurrently each need their own, combined by `reduce`.
    ///
    /// Statistics are summed per block, in query order from zero, and the block sums are added
    /// to the total in block order; so splitting a head's blocks across calls (and `reduce`)
    /// changes no bit, and neither batch composition nor thread count changes the result.
    public static func attend(
        _ p: Parameters, kvHead kvh: Int, scratch: AttentionScratch, queryRange: Range<Int>? = nil,
        statistics: StatisticsRows? = nil
    ) {
        let cache = p.cache
        let layer = p.layer
        let q = p.queryCount
        let queries = p.queries
        let queryStride = p.queryStride
        let headCount = p.headCount
        let scale = p.scale
        let output = p.output
        let outputStride = p.outputStride
        let collectStatistics = p.collectStatistics
        let d = cache.headDim
        let n = cache.counts[layer]
        let nOld = n - q
        precondition(nOld >= 0 && headCount % cache.kvHeadCount == 0)
        let rep = headCount / cache.kvHeadCount
        let block = min(q, blockQueries)
        AttentionScratch.ensure(&scratch.scores, &scratch.scoresCapacity, block * rep * n)
        AttentionScratch.ensure(&scratch.queries, &scratch.queriesCapacity, block * rep * d)
        AttentionScratch.ensure(&scratch.output, &scratch.outputCapacity, block * rep * d)
        let invRep = 1 / Float(rep)

        do {
            let range = queryRange ?? 0..<q
            precondition(range.lowerBound >= 0 && range.upperBound <= q && range.lowerBound % blockQueries == 0)
            // The rows the range's last query sees, as fp32 (decoded and rotated when needed).
            let keys = keyRows(p, kvHead: kvh, rows: nOld + range.upperBound, scratch: scratch)
            let values = valueRows(p, kvHead: kvh, rows: nOld + range.upperBound, scratch: scratch)
            let keyPositions = cache.positionPointer(layer: layer, head: kvh)
            let base = cache.slotBase(layer: layer, head: kvh)
            let target =
                statistics
                ?? StatisticsRows(
                    sum: cache.stepStatistics.columnSum + base,
                    sumOfSquares: cache.stepStatistics.columnSquareSum + base,
                    lastRow: cache.stepStatistics.lastRow + base)
            let sum = target.sum
            let sumSq = target.sumOfSquares
            let last = target.lastRow
            if collectStatistics {
                sum.update(repeating: 0, count: n)
                sumSq.update(repeating: 0, count: n)
                last.update(repeating: 0, count: n)
            }

            if collectStatistics && range.count > block {
                AttentionScratch.ensure(&scratch.blockStatistics, &scratch.blockStatisticsCapacity, 2 * n)
            }
            var q0 = range.lowerBound
            while q0 < range.upperBound {
                let qb = min(block, range.upperBound - q0)
                // The first block sums straight into the (zeroed) total; later ones from zero
                // apart, then join it (see the doc comment).
                let firstBlock = q0 == range.lowerBound
                let blockSum = firstBlock ? sum : scratch.blockStatistics
                let blockSumSq = firstBlock ? sumSq : scratch.blockStatistics + n
                if collectStatistics && !firstBlock { scratch.blockStatistics.update(repeating: 0, count: 2 * n) }
                let rows = qb * rep
                // Visible keys for this block: up to the last query's own slot.
                let limit = nOld + q0 + qb
                // Gather Q rows in (query, head-in-group) order so the group mean is over
                // consecutive rows.
                for i in 0..<qb {
                    for r in 0..<rep {
                        (scratch.queries + (i * rep + r) * d).update(
                            from: queries + (q0 + i) * queryStride + (kvh * rep + r) * d, count: d)
                    }
                }
                let scores = scratch.scores
                // One query (decode): matrix-vector products; sgemm would repack the keys.
                let single = qb == 1
                if single {
                    for r in 0..<rep {
                        Matmul.matrixVector(
                            keys, rows: limit, columns: d, scratch.queries + r * d, into: scores + r * limit,
                            alpha: scale)
                    }
                } else {
                    Matmul.timesTransposed(
                        scratch.queries, rows: rows, keys, rows: limit, inner: d, into: scores, ldc: limit, alpha: scale
                    )
                }
                for i in 0..<qb {
                    let visible = nOld + q0 + i + 1
                    if let cap = p.softCap {
                        // llama.cpp `build_attn_mha` (`attn_soft_cap`), transformers
                        // `eager_attention_forward`: on the scaled scores, before the mask.
                        for r in 0..<rep {
                            let row = scores + (i * rep + r) * limit
                            for j in 0..<visible { row[j] = cap * tanhf(row[j] / cap) }
                        }
                    }
                    if let window = p.slidingWindow {
                        // HF Mistral: a query at position p sees keys at positions > p − window.
                        // Positions are per head and need not be monotonic after eviction, so
                        // mask rather than cut a range. Streaming mode numbers slots instead.
                        let position = Int(p.queryPositions[q0 + i])
                        for j in 0..<visible {
                            let kp = cache.streamingPositions ? j : Int(keyPositions[j])
                            guard position - kp >= window else { continue }
                            for r in 0..<rep { scores[(i * rep + r) * limit + j] = -.infinity }
                        }
                    }
                    for r in 0..<rep {
                        let row = scores + (i * rep + r) * limit
                        Softmax.inPlace(row, count: visible)
                        if visible < limit { (row + visible).update(repeating: 0, count: limit - visible) }
                    }
                    if collectStatistics {
                        let isLast = q0 + i == q - 1
                        let row0 = scores + i * rep * limit
                        for j in 0..<visible {
                            var a: Float = 0
                            for r in 0..<rep { a += row0[r * limit + j] }
                            a *= invRep
                            blockSum[j] += a
                            blockSumSq[j] += a * a
                            if isLast { last[j] = a }
                        }
                    }
                }
                if collectStatistics && !firstBlock {
                    for j in 0..<limit {
                        sum[j] += blockSum[j]
                        sumSq[j] += blockSumSq[j]
                    }
                }
                if single {
                    for r in 0..<rep {
                        Matmul.matrixVector(
                            values, rows: limit, columns: d, transposed: true, scores + r * limit,
                            into: scratch.output + r * d)
                    }
                } else {
                    Matmul.times(scores, rows: rows, values, columns: d, inner: limit, into: scratch.output)
                }
                for i in 0..<qb {
                    for r in 0..<rep {
                        (output + (q0 + i) * outputStride + (kvh * rep + r) * d).update(
                            from: scratch.output + (i * rep + r) * d, count: d)
                    }
                }
                q0 += qb
            }
        }
    }
}
