/// The bookkeeping of one sequence's cache: which token each slot of each (layer, KV head) holds,
/// how many slots are in use, and the attention statistics eviction reads — kept apart from the
/// key/value storage (`KVStorage`), as llama.cpp keeps its cells apart from its tensors, so
/// storage formats and scorers change independently.
public final class KVCells: @unchecked Sendable {
    // @unchecked Sendable: owned by one KVCache; see there.

    public let layerCount: Int
    public let kvHeadCount: Int
    /// Slots each (layer, KV head) has.
    public let capacity: Int
    /// Absolute token position of each slot. Shape: [layers, kvHeads, capacity].
    public let positions: UnsafeMutablePointer<Int32>
    /// Statistics the attention kernel leaves for the last forward step, over the group-mean
    /// attention probabilities (EASYKV-SPEC §2.2). Shape of each: [layers, kvHeads, capacity].
    public let stepStatistics: AttentionStatistics
    /// Running statistics eviction policies keep (S, Q, C and EMA of the spec §3.2).
    /// Shape of each: [layers, kvHeads, capacity].
    public let runningStatistics: RunningStatistics
    /// What probe rows leave after a step (`CacheAttention.attendProbe`); nil unless the cache
    /// was made for a policy that runs probes.
    public let probeStatistics: ProbeStatistics?
    /// Entries in use, per layer (the same for every head of a layer).
    public private(set) var counts: [Int]
    /// Largest number of entries any layer has held.
    public private(set) var peakCount = 0

    init(layerCount: Int, kvHeadCount: Int, capacity: Int, probes: Bool = false) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.capacity = capacity
        let slots = layerCount * kvHeadCount * capacity
        positions = .allocate(capacity: slots)
        positions.initialize(repeating: 0, count: slots)
        stepStatistics = AttentionStatistics(slots: slots)
        runningStatistics = RunningStatistics(slots: slots)
        probeStatistics = probes ? ProbeStatistics(slots: slots) : nil
        counts = Array(repeating: 0, count: layerCount)
    }

    deinit { positions.deallocate() }

    /// Bytes of positions and statistics.
    var bytes: Int {
        layerCount * kvHeadCount * capacity * 4 + stepStatistics.bytes + runningStatistics.bytes
            + (probeStatistics?.bytes ?? 0)
    }

    /// Index of the first slot of (layer, head) in the per-slot arrays.
    @inline(__always) public func slotBase(layer: Int, head: Int) -> Int { (layer * kvHeadCount + head) * capacity }

    @inline(__always) public func positionPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Int32> {
        positions + slotBase(layer: layer, head: head)
    }

    /// Positions kept by (layer, head), in slot order.
    public func keptPositions(layer: Int, head: Int) -> [Int] {
        let p = positionPointer(layer: layer, head: head)
        return (0..<counts[layer]).map { Int(p[$0]) }
    }

    /// Takes `n` new slots at the end of `layer`; returns the first. Their step statistics start at 0.
    func reserve(layer: Int, count n: Int) throws(KVCacheError) -> Int {
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

    /// Moves the slots `survivors` (ascending) of (layer, head) to the front, positions and
    /// running statistics together.
    func compact(layer: Int, head: Int, survivors: [Int]) {
        let base = slotBase(layer: layer, head: head)
        for (write, read) in survivors.enumerated() where write != read {
            positions[base + write] = positions[base + read]
            runningStatistics.move(from: base + read, to: base + write)
        }
    }

    /// Sets the count of `layer` after every head kept `kept` slots; the statistics of the freed
    /// slots go back to zero.
    func setCount(layer: Int, _ kept: Int) {
        precondition(kept <= counts[layer])
        counts[layer] = kept
        for head in 0..<kvHeadCount {
            runningStatistics.clear(from: slotBase(layer: layer, head: head) + kept, count: capacity - kept)
        }
    }

    func reset() {
        for l in 0..<layerCount { counts[l] = 0 }
        peakCount = 0
        runningStatistics.clear(from: 0, count: layerCount * kvHeadCount * capacity)
    }
}
