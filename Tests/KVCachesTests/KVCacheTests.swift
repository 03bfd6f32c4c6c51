import KVCaches
import Testing

@Suite struct KVCacheTests {
    /// Fills `count` new slots of every (layer, head) with values that name their owner:
    /// key `[position, 100·layer + 10·head, 1]`, value `[−position, …]`, position, and running
    /// statistics S = position + 0.25, Q = position + 0.5, C = position + 0.75, E = position + 1…
    func fill(_ cache: KVCache, positions: [Int]) throws {
        let d = cache.headDim
        let run = cache.runningStatistics
        for l in 0..<cache.layerCount {
            let start = try cache.reserve(layer: l, count: positions.count)
            for h in 0..<cache.kvHeadCount {
                let tag = Float(100 * l + 10 * h)
                let k = cache.keyPointer(layer: l, head: h)
                let v = cache.valuePointer(layer: l, head: h)
                let p = cache.positionPointer(layer: l, head: h)
                let base = cache.slotBase(layer: l, head: h)
                for (i, position) in positions.enumerated() {
                    let slot = start + i
                    let x = Float(position)
                    for c in 0..<d {
                        k[slot * d + c] = c == 0 ? x : tag + Float(c)
                        v[slot * d + c] = c == 0 ? -x : -(tag + Float(c))
                    }
                    p[slot] = Int32(position)
                    run.sum[base + slot] = x + tag + 0.25
                    run.squareSum[base + slot] = x + tag + 0.5
                    run.counter[base + slot] = x + tag + 0.75
                    run.ema[base + slot] = x + tag + 1
                    run.emaSum[base + slot] = x + tag + 2
                    run.emaSquareSum[base + slot] = x + tag + 3
                }
            }
        }
    }

    /// Every per-slot buffer of (layer, head) agrees with the kept position of that slot.
    func expectConsistent(
        _ cache: KVCache, layer l: Int, head h: Int, positions: [Int], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(cache.keptPositions(layer: l, head: h) == positions, sourceLocation: sourceLocation)
        let d = cache.headDim
        let tag = Float(100 * l + 10 * h)
        let k = cache.keyPointer(layer: l, head: h)
        let v = cache.valuePointer(layer: l, head: h)
        let run = cache.runningStatistics
        let base = cache.slotBase(layer: l, head: h)
        for (slot, position) in positions.enumerated() {
            let x = Float(position)
            for c in 0..<d {
                #expect(k[slot * d + c] == (c == 0 ? x : tag + Float(c)), sourceLocation: sourceLocation)
                #expect(v[slot * d + c] == (c == 0 ? -x : -(tag + Float(c))), sourceLocation: sourceLocation)
            }
            #expect(run.sum[base + slot] == x + tag + 0.25, sourceLocation: sourceLocation)
            #expect(run.squareSum[base + slot] == x + tag + 0.5, sourceLocation: sourceLocation)
            #expect(run.counter[base + slot] == x + tag + 0.75, sourceLocation: sourceLocation)
            #expect(run.ema[base + slot] == x + tag + 1, sourceLocation: sourceLocation)
            #expect(run.emaSum[base + slot] == x + tag + 2, sourceLocation: sourceLocation)
            #expect(run.emaSquareSum[base + slot] == x + tag + 3, sourceLocation: sourceLocation)
        }
        // Vacated slots carry no running statistics.
        for slot in positions.count..<cache.capacity {
            for p in [run.sum, run.squareSum, run.counter, run.ema, run.emaSum, run.emaSquareSum] {
                #expect(p[base + slot] == 0, sourceLocation: sourceLocation)
            }
        }
    }

    @Test func reserveCountsAndCapacityError() throws {
        let cache = KVCache(layerCount: 2, kvHeadCount: 3, headDim: 4, capacity: 10)
        #expect(cache.counts == [0, 0])
        #expect(try cache.reserve(layer: 0, count: 6) == 0)
        #expect(try cache.reserve(layer: 0, count: 4) == 6)
        #expect(try cache.reserve(layer: 1, count: 3) == 0)
        #expect(cache.counts == [10, 3])
        #expect(cache.peakCount == 10)
        let error = #expect(throws: KVCacheError.self) { _ = try cache.reserve(layer: 0, count: 1) }
        #expect(error == .capacityExceeded(layer: 0, needed: 11, capacity: 10))
        #expect(error?.description.contains("layer 0") == true)
        #expect(error?.description.contains("11") == true && error?.description.contains("10") == true)
        // A failed reserve changes nothing.
        #expect(cache.counts == [10, 3])
        #expect(throws: KVCacheError.capacityExceeded(layer: 1, needed: 12, capacity: 10)) {
            _ = try cache.reserve(layer: 1, count: 9)
        }
        #expect(try cache.reserve(layer: 1, count: 7) == 3)
    }

    @Test func reserveClearsStepStatisticsOfNewSlots() throws {
        let cache = KVCache(layerCount: 1, kvHeadCount: 2, headDim: 2, capacity: 6)
        let step = cache.stepStatistics
        for i in 0..<12 {
            step.columnSum[i] = 9
            step.columnSquareSum[i] = 9
            step.lastRow[i] = 9
        }
        _ = try cache.reserve(layer: 0, count: 2)
        for h in 0..<2 {
            let b = cache.slotBase(layer: 0, head: h)
            for j in 0..<2 {
                #expect(step.columnSum[b + j] == 0 && step.columnSquareSum[b + j] == 0 && step.lastRow[b + j] == 0)
            }
            // Slots not reserved are left alone.
            #expect(step.columnSum[b + 2] == 9)
        }
    }

    /// Per-head compaction (spec §3.1): heads of one layer drop different slots; survivors keep
    /// their order; keys, values, positions and running statistics move together; the other
    /// layer is untouched.
    @Test func perHeadCompaction() throws {
        let cache = KVCache(layerCount: 2, kvHeadCount: 2, headDim: 3, capacity: 12)
        let positions = [0, 1, 2, 5, 7, 8, 11, 12, 20, 21]
        try fill(cache, positions: positions)
        cache.remove(slots: [1, 3, 9], layer: 0, head: 0)
        cache.remove(slots: [8, 0, 4], layer: 0, head: 1)  // any order
        cache.finishEviction(layer: 0, removed: 3)
        #expect(cache.counts == [7, 10])
        expectConsistent(cache, layer: 0, head: 0, positions: [0, 2, 7, 8, 11, 12, 20])
        expectConsistent(cache, layer: 0, head: 1, positions: [1, 2, 5, 8, 11, 12, 21])
        expectConsistent(cache, layer: 1, head: 0, positions: positions)
        expectConsistent(cache, layer: 1, head: 1, positions: positions)

        // A second round on the compacted layer, then appending after it.
        cache.remove(slots: [0], layer: 0, head: 0)
        cache.remove(slots: [6], layer: 0, head: 1)
        cache.finishEviction(layer: 0, removed: 1)
        expectConsistent(cache, layer: 0, head: 0, positions: [2, 7, 8, 11, 12, 20])
        expectConsistent(cache, layer: 0, head: 1, positions: [1, 2, 5, 8, 11, 12])
        #expect(try cache.reserve(layer: 0, count: 2) == 6)
        #expect(cache.keptPositions(layer: 0, head: 0).count == 8)
    }

    /// Block eviction (recency/random): the same slot range leaves every layer and head.
    @Test func removeBlock() throws {
        let cache = KVCache(layerCount: 3, kvHeadCount: 2, headDim: 2, capacity: 10)
        try fill(cache, positions: Array(0..<9))
        // Make heads differ first, so "the same slots" is not "the same positions".
        cache.remove(slots: [0], layer: 1, head: 1)
        cache.remove(slots: [8], layer: 1, head: 0)
        cache.finishEviction(layer: 1, removed: 1)
        try fill(cache, positions: [30])  // every layer: layer 1 now has 9 slots, others 10
        cache.removeBlock(start: 2, length: 3)
        #expect(cache.counts == [7, 6, 7])
        expectConsistent(cache, layer: 0, head: 0, positions: [0, 1, 5, 6, 7, 8, 30])
        expectConsistent(cache, layer: 0, head: 1, positions: [0, 1, 5, 6, 7, 8, 30])
        expectConsistent(cache, layer: 1, head: 0, positions: [0, 1, 5, 6, 7, 30])
        expectConsistent(cache, layer: 1, head: 1, positions: [1, 2, 6, 7, 8, 30])
        expectConsistent(cache, layer: 2, head: 1, positions: [0, 1, 5, 6, 7, 8, 30])
    }

    /// bytesInUse = kept entries × heads × headDim × (K + V) × 4; bytesAllocated = the whole plan
    /// (K, V, positions, three step and six running statistics per slot); peakBytes follows the
    /// largest count ever held, not the current one.
    @Test func byteAccounting() throws {
        let layers = 2
        let heads = 3
        let d = 4
        let capacity = 10
        let cache = KVCache(layerCount: layers, kvHeadCount: heads, headDim: d, capacity: capacity)
        let slots = layers * heads * capacity  // 60
        #expect(cache.bytesAllocated == slots * (2 * d * 4) + slots * 4 + slots * 3 * 4 + slots * 6 * 4)
        #expect(cache.bytesAllocated == 4320)
        #expect(cache.bytesInUse == 0 && cache.peakBytes == 0)

        try fill(cache, positions: Array(0..<7))
        #expect(cache.bytesInUse == 7 * layers * heads * d * 2 * 4)  // 1344
        #expect(cache.peakBytes == 1344)
        for l in 0..<layers {
            for h in 0..<heads { cache.remove(slots: [0, 1, 2], layer: l, head: h) }
            cache.finishEviction(layer: l, removed: 3)
        }
        #expect(cache.bytesInUse == 4 * layers * heads * d * 2 * 4)  // 768
        #expect(cache.peakBytes == 1344)
        try fill(cache, positions: [7, 8])
        #expect(cache.bytesInUse == 6 * 48 * 4)
        #expect(cache.peakBytes == 1344)
        try fill(cache, positions: [9, 10, 11, 12])
        #expect(cache.peakBytes == 10 * 48 * 4)
        #expect(cache.bytesInUse == cache.peakBytes)
        #expect(cache.bytesAllocated == 4320)  // nothing grew
    }

    @Test func resetEmptiesButKeepsTheAllocation() throws {
        let cache = KVCache(layerCount: 1, kvHeadCount: 2, headDim: 2, capacity: 5)
        try fill(cache, positions: [0, 1, 2])
        let allocated = cache.bytesAllocated
        cache.reset()
        #expect(cache.counts == [0])
        #expect(cache.bytesInUse == 0 && cache.peakBytes == 0)
        #expect(cache.bytesAllocated == allocated)
        for i in 0..<10 { #expect(cache.runningStatistics.sum[i] == 0 && cache.runningStatistics.counter[i] == 0) }
        #expect(try cache.reserve(layer: 0, count: 5) == 0)
    }
}
