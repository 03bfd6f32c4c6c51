/// The key/value cache of one sequence: its bookkeeping (`cells`: positions, counts, statistics)
/// and its storage (`storage`: keys and values), per layer and KV head.
///
/// Capacity is fixed at creation (DESIGN.md §4: budget + stride, plus the tokens to generate);
/// nothing grows during a run. All heads of a layer hold the same number of entries, but each head
/// may keep different tokens (EasyKV evicts per head); eviction compacts cells and storage together.
public final class KVCache: @unchecked Sendable {
    // @unchecked Sendable: a cache belongs to one sequence, and one task at a time drives that
    // sequence's forward steps; concurrent kernels touch disjoint (layer, head) slices.

    public let cells: KVCells
    public let storage: KVStorage
    /// StreamingLLM-style positions: keys are cached *without* RoPE and rotated at each step
    /// with their current slot index (EASYKV-SPEC §2.3). Otherwise keys are cached rotated at
    /// their true position and gaps stay after eviction (§2.1).
    public let streamingPositions: Bool

    /// A cache storing keys as `keyFormat` and values as `valueFormat` (a quantized format needs
    /// `headDim` to be a multiple of its block: `KVSettings.validate(headDim:)` says so first).
    public init(
        layerCount: Int, kvHeadCount: Int, headDim: Int, capacity: Int, streamingPositions: Bool = false,
        keyFormat: KVFormat = .f32, valueFormat: KVFormat = .f32
    ) {
        precondition(layerCount > 0 && kvHeadCount > 0 && headDim > 0 && capacity > 0)
        cells = KVCells(layerCount: layerCount, kvHeadCount: kvHeadCount, capacity: capacity)
        storage = KVStorage(
            layerCount: layerCount, kvHeadCount: kvHeadCount, headDim: headDim, capacity: capacity,
            keyFormat: keyFormat, valueFormat: valueFormat)
        self.streamingPositions = streamingPositions
    }

    public var layerCount: Int { cells.layerCount }
    public var kvHeadCount: Int { cells.kvHeadCount }
    public var headDim: Int { storage.headDim }
    /// Entries each (layer, KV head) can hold.
    public var capacity: Int { cells.capacity }
    /// Entries in use, per layer.
    public var counts: [Int] { cells.counts }
    public var peakCount: Int { cells.peakCount }
    public var stepStatistics: AttentionStatistics { cells.stepStatistics }
    public var runningStatistics: RunningStatistics { cells.runningStatistics }

    /// Bytes of key and value storage actually in use (in their stored format), summed over
    /// layers and heads.
    public var bytesInUse: Int {
        cells.counts.reduce(0, +) * kvHeadCount * (storage.keyRowBytes + storage.valueRowBytes)
    }

    /// Bytes allocated for keys, values, positions and statistics: the whole plan.
    public var bytesAllocated: Int { storage.bytes + cells.bytes }

    /// Peak key and value bytes over the life of the cache.
    public var peakBytes: Int { cells.peakCount * storage.bytesPerSlot }

    @inline(__always) public func slotBase(layer: Int, head: Int) -> Int { cells.slotBase(layer: layer, head: head) }

    /// fp32 keys in place (fp32 storage only; otherwise `storage.write`/`readKeys`).
    @inline(__always) public func keyPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        storage.keyPointer(layer: layer, head: head)
    }

    @inline(__always) public func valuePointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        storage.valuePointer(layer: layer, head: head)
    }

    @inline(__always) public func positionPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Int32> {
        cells.positionPointer(layer: layer, head: head)
    }

    /// Reserves `n` new slots at the end of `layer` and returns the index of the first. The
    /// caller fills keys, values and positions of every head.
    public func reserve(layer: Int, count n: Int) throws(KVCacheError) -> Int {
        try cells.reserve(layer: layer, count: n)
    }

    /// Positions kept by (layer, head), in slot order.
    public func keptPositions(layer: Int, head: Int) -> [Int] { cells.keptPositions(layer: layer, head: head) }

    /// Removes the given slots of one (layer, head), keeping the order of the survivors; keys,
    /// values, positions and running statistics move together. `slots` must be distinct and
    /// in range. Every head of a layer must then lose the same number: call `finishEviction`.
    public func remove(slots: [Int], layer: Int, head: Int) {
        let n = cells.counts[layer]
        var drop = [Bool](repeating: false, count: n)
        for s in slots {
            precondition(s >= 0 && s < n && !drop[s], "eviction slot \(s) invalid for count \(n)")
            drop[s] = true
        }
        let survivors = (0..<n).filter { !drop[$0] }
        storage.compact(layer: layer, head: head, survivors: survivors)
        cells.compact(layer: layer, head: head, survivors: survivors)
    }

    /// Sets the count of `layer` after every head removed `removed` slots.
    public func finishEviction(layer: Int, removed: Int) {
        cells.setCount(layer: layer, cells.counts[layer] - removed)
    }

    /// Removes the same contiguous block `[start, start+length)` from every head of every layer
    /// (EasyKV's block eviction for `recency` and `random`).
    public func removeBlock(start: Int, length: Int) {
        for layer in 0..<layerCount {
            precondition(start >= 0 && start + length <= cells.counts[layer])
            for head in 0..<kvHeadCount { remove(slots: Array(start..<(start + length)), layer: layer, head: head) }
            finishEviction(layer: layer, removed: length)
        }
    }

    /// Empties the cache (capacity and allocation stay).
    public func reset() { cells.reset() }
}
