/// The key/value cache of one sequence: per layer and per KV head, fixed-capacity buffers of keys,
/// values, absolute positions and fp32 attention statistics.
///
/// Capacity is fixed at creation (DESIGN.md §4: budget + stride, plus the tokens to generate);
/// nothing grows during a run. All heads of a layer hold the same number of entries, but each head
/// may keep different tokens (EasyKV evicts per head). Storage is kept apart from the bookkeeping
/// of which token sits where (llama.cpp's habit): slots are compacted in place on eviction.
public final class KVCache: @unchecked Sendable {
    // @unchecked Sendable: a cache belongs to one sequence, and one task at a time drives that
    // sequence's forward steps; concurrent kernels touch disjoint (layer, head) slices.

    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    /// Entries each (layer, KV head) can hold.
    public let capacity: Int
    /// StreamingLLM-style positions: keys are cached *without* RoPE and rotated at each step
    /// with their current slot index (EASYKV-SPEC §2.3). Otherwise keys are cached rotated at
    /// their true position and gaps stay after eviction (§2.1).
    public let streamingPositions: Bool

    /// Shape: [layers, kvHeads, capacity, headDim].
    public let keys: UnsafeMutablePointer<Float>
    /// Shape: [layers, kvHeads, capacity, headDim].
    public let values: UnsafeMutablePointer<Float>
    /// Absolute token position of each slot. Shape: [layers, kvHeads, capacity].
    public let positions: UnsafeMutablePointer<Int32>
    /// Statistics the attention kernel leaves for the last forward step, over the group-mean
    /// attention probabilities (EASYKV-SPEC §2.2). Shape of each: [layers, kvHeads, capacity].
    public let stepStatistics: AttentionStatistics
    /// Running statistics eviction policies keep (S, Q, C and EMA of the spec §3.2).
    /// Shape of each: [layers, kvHeads, capacity].
    public let runningStatistics: RunningStatistics

    /// Entries in use, per layer (the same for every head of a layer).
    public private(set) var counts: [Int]
    /// Largest number of entries any layer has held.
    public private(set) var peakCount = 0

    public init(layerCount: Int, kvHeadCount: Int, headDim: Int, capacity: Int, streamingPositions: Bool = false) {
        precondition(layerCount > 0 && kvHeadCount > 0 && headDim > 0 && capacity > 0)
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.capacity = capacity
        self.streamingPositions = streamingPositions
        let slots = layerCount * kvHeadCount * capacity
        keys = .allocate(capacity: slots * headDim)
        values = .allocate(capacity: slots * headDim)
        positions = .allocate(capacity: slots)
        keys.initialize(repeating: 0, count: slots * headDim)
        values.initialize(repeating: 0, count: slots * headDim)
        positions.initialize(repeating: 0, count: slots)
        stepStatistics = AttentionStatistics(slots: slots)
        runningStatistics = RunningStatistics(slots: slots)
        counts = Array(repeating: 0, count: layerCount)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
        positions.deallocate()
    }

    /// Bytes of key and value storage actually in use (fp32), summed over layers and heads.
    public var bytesInUse: Int { counts.reduce(0, +) * kvHeadCount * headDim * 2 * MemoryLayout<Float>.size }

    /// Bytes allocated for keys, values, positions and statistics: the whole plan.
    public var bytesAllocated: Int {
        let slots = layerCount * kvHeadCount * capacity
        return slots * (headDim * 2 * 4 + 4) + stepStatistics.bytes + runningStatistics.bytes
    }

    /// Peak KV bytes (keys and values) over the life of the cache.
    public var peakBytes: Int { peakCount * layerCount * kvHeadCount * headDim * 2 * MemoryLayout<Float>.size }

    /// Index of the first slot of (layer, head) in the per-slot arrays.
    @inline(__always) public func slotBase(layer: Int, head: Int) -> Int {
        (layer * kvHeadCount + head) * capacity
    }

    /// Keys of (layer, head): `count(layer)` rows of `headDim`.
    @inline(__always) public func keyPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        keys + slotBase(layer: layer, head: head) * headDim
    }

    @inline(__always) public func valuePointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        values + slotBase(layer: layer, head: head) * headDim
    }

    @inline(__always) public func positionPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Int32> {
        positions + slotBase(layer: layer, head: head)
    }

    /// Reserves `n` new slots at the end of `layer` and returns the index of the first. The
    /// caller fills keys, values and positions of every head.
    public func reserve(layer: Int, count n: Int) throws(KVCacheError) -> Int {
        let start = counts[layer]
        guard start + n <= capacity else {
            throw KVCacheError.capacityExceeded(layer: layer, needed: start + n, capacity: capacity)
        }
        counts[layer] = start + n
        peakCount = max(peakCount, start + n)
        for head in 0..<kvHeadCount {
            stepStatistics.clear(from: slotBase(layer: layer, head: head) + start, count: n)
        }
        return start
    }

    /// Positions kept by (layer, head), in slot order.
    public func keptPositions(layer: Int, head: Int) -> [Int] {
        let p = positionPointer(layer: layer, head: head)
        return (0..<counts[layer]).map { Int(p[$0]) }
    }

    /// Removes the given slots of one (layer, head), keeping the order of the survivors; keys,
    /// values, positions and running statistics move together. `slots` must be distinct and
    /// in range. Every head of a layer must then lose the same number: call `finishEviction`.
    public func remove(slots: [Int], layer: Int, head: Int) {
        let n = counts[layer]
        var drop = [Bool](repeating: false, count: n)
        for s in slots {
            precondition(s >= 0 && s < n && !drop[s], "eviction slot \(s) invalid for count \(n)")
            drop[s] = true
        }
        let base = slotBase(layer: layer, head: head)
        let k = keys + base * headDim
        let v = values + base * headDim
        let p = positions + base
        var write = 0
        for read in 0..<n where !drop[read] {
            if write != read {
                (k + write * headDim).update(from: k + read * headDim, count: headDim)
                (v + write * headDim).update(from: v + read * headDim, count: headDim)
                p[write] = p[read]
                runningStatistics.move(from: base + read, to: base + write)
            }
            write += 1
        }
    }

    /// Sets the count of `layer` after every head removed `removed` slots.
    public func finishEviction(layer: Int, removed: Int) {
        precondition(removed <= counts[layer])
        counts[layer] -= removed
        let n = counts[layer]
        for head in 0..<kvHeadCount {
            runningStatistics.clear(from: slotBase(layer: layer, head: head) + n, count: capacity - n)
        }
    }

    /// Removes the same contiguous block `[start, start+length)` from every head of every layer
    /// (EasyKV's block eviction for `recency` and `random`).
    public func removeBlock(start: Int, length: Int) {
        for layer in 0..<layerCount {
            let n = counts[layer]
            precondition(start >= 0 && start + length <= n)
            for head in 0..<kvHeadCount {
                remove(slots: Array(start..<(start + length)), layer: layer, head: head)
            }
            finishEviction(layer: layer, removed: length)
        }
    }

    /// Empties the cache (capacity and allocation stay).
    public func reset() {
        for l in 0..<layerCount { counts[l] = 0 }
        peakCount = 0
        runningStatistics.clear(from: 0, count: layerCount * kvHeadCount * capacity)
    }
}

/// Errors of the `KVCaches` module.
public enum KVCacheError: Error, CustomStringConvertible, Sendable, Equatable {
    case capacityExceeded(layer: Int, needed: Int, capacity: Int)
    case invalidBudget(String)
    case unknownPolicy(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .capacityExceeded(let layer, let needed, let capacity):
            return "KV cache capacity exceeded in layer \(layer): \(needed) entries needed, \(capacity) planned"
        case .invalidBudget(let why): return why
        case .unknownPolicy(let name):
            return "unknown policy '\(name)' (valid: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unsupported(let why): return why
        }
    }
}
