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
    var rotatedKeys: UnsafeMutablePointer<Float>
    var rotatedCapacity: Int

    public init() {
        scoresCapacity = 0
        queriesCapacity = 0
        outputCapacity = 0
        rotatedCapacity = 0
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
    }

    /// Bytes currently held.
    public var bytes: Int { (scoresCapacity + queriesCapacity + outputCapacity + rotatedCapacity) * 4 }

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
    /// Queries processed per block, bounding the score buffer at
    /// `blockQueries · groupSize · cacheLength` floats.
    public static let blockQueries = 128

    /// - Parameters:
    ///   - queries: `queryCount` rows of `headCount · headDim` (already rotated), row stride `queryStride`.
    ///   - queryPositions: the position of each query, used for the sliding window (in
    ///     streaming mode, slot indices).
    ///   - rope: in streaming mode, the table that rotates cached keys by slot index.
    ///   - output: `queryCount` rows of `headCount · headDim`, row stride `outputStride`.
    public static func attend(
        cache: KVCache, layer: Int, queries: UnsafePointer<Float>, queryStride: Int, queryCount q: Int,
        queryPositions: UnsafePointer<Int32>, headCount: Int, scale: Float, slidingWindow: Int?,
        collectStatistics: Bool, rope: Rope?, output: UnsafeMutablePointer<Float>, outputStride: Int,
        scratch: AttentionScratch
    ) {
        for kvh in 0..<cache.kvHeadCount {
            attend(
                cache: cache, layer: layer, kvHead: kvh, queries: queries, queryStride: queryStride, queryCount: q,
                queryPositions: queryPositions, headCount: headCount, scale: scale, slidingWindow: slidingWindow,
                collectStatistics: collectStatistics, rope: rope, output: output, outputStride: outputStride,
                scratch: scratch)
        }
    }

    /// The same for one KV head and its group of query heads, so callers can run heads (and
    /// sequences) on different workers, each with its own scratch.
    public static func attend(
        cache: KVCache, layer: Int, kvHead kvh: Int, queries: UnsafePointer<Float>, queryStride: Int,
        queryCount q: Int, queryPositions: UnsafePointer<Int32>, headCount: Int, scale: Float, slidingWindow: Int?,
        collectStatistics: Bool, rope: Rope?, output: UnsafeMutablePointer<Float>, outputStride: Int,
        scratch: AttentionScratch
    ) {
        let d = cache.headDim
        let n = cache.counts[layer]
        let nOld = n - q
        precondition(nOld >= 0 && headCount % cache.kvHeadCount == 0)
        let rep = headCount / cache.kvHeadCount
        let block = min(q, blockQueries)
        AttentionScratch.ensure(&scratch.scores, &scratch.scoresCapacity, block * rep * n)
        AttentionScratch.ensure(&scratch.queries, &scratch.queriesCapacity, block * rep * d)
        AttentionScratch.ensure(&scratch.output, &scratch.outputCapacity, block * rep * d)
        if cache.streamingPositions { AttentionScratch.ensure(&scratch.rotatedKeys, &scratch.rotatedCapacity, n * d) }
        let invRep = 1 / Float(rep)

        do {
            var keys = UnsafePointer(cache.keyPointer(layer: layer, head: kvh))
            let values = UnsafePointer(cache.valuePointer(layer: layer, head: kvh))
            let keyPositions = cache.positionPointer(layer: layer, head: kvh)
            if cache.streamingPositions, let rope {
                // StreamingLLM: cached keys are unrotated; rotate by slot index (spec §2.3).
                scratch.rotatedKeys.update(from: keys, count: n * d)
                for j in 0..<n { rope.apply(scratch.rotatedKeys + j * d, heads: 1, headDim: d, position: j) }
                keys = UnsafePointer(scratch.rotatedKeys)
            }
            let base = cache.slotBase(layer: layer, head: kvh)
            let sum = cache.stepStatistics.columnSum + base
            let sumSq = cache.stepStatistics.columnSquareSum + base
            let last = cache.stepStatistics.lastRow + base
            if collectStatistics {
                sum.update(repeating: 0, count: n)
                sumSq.update(repeating: 0, count: n)
                last.update(repeating: 0, count: n)
            }

            var q0 = 0
            while q0 < q {
                let qb = min(block, q - q0)
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
                    if let window = slidingWindow {
                        // HF Mistral: a query at position p sees keys at positions > p − window.
                        // Positions are per head and need not be monotonic after eviction, so
                        // mask rather than cut a range. Streaming mode numbers slots instead.
                        let p = Int(queryPositions[q0 + i])
                        for j in 0..<visible {
                            let kp = cache.streamingPositions ? j : Int(keyPositions[j])
                            guard p - kp >= window else { continue }
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
                            sum[j] += a
                            sumSq[j] += a * a
                            if isLast { last[j] = a }
                        }
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
