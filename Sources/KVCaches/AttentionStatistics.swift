/// What the attention kernel reports for one forward step, per (layer, KV head, slot), computed
/// from the group-mean attention probabilities ā (EASYKV-SPEC §2.2: the mean over the query heads
/// of a KV head is taken before squaring). fp32 throughout (a deliberate deviation from the
/// reference's fp16, spec bug B7).
public final class AttentionStatistics: @unchecked Sendable {
    // @unchecked Sendable: owned by one KVCache; kernels write disjoint (layer, head) slices.

    /// Σ over the step's queries of ā. Shape: [layers, kvHeads, capacity].
    public let columnSum: UnsafeMutablePointer<Float>
    /// Σ over the step's queries of ā². Shape: [layers, kvHeads, capacity].
    public let columnSquareSum: UnsafeMutablePointer<Float>
    /// ā of the step's last query. Shape: [layers, kvHeads, capacity].
    public let lastRow: UnsafeMutablePointer<Float>
    let slots: Int

    init(slots: Int) {
        self.slots = slots
        columnSum = .allocate(capacity: slots)
        columnSquareSum = .allocate(capacity: slots)
        lastRow = .allocate(capacity: slots)
        clear(from: 0, count: slots)
    }

    deinit {
        columnSum.deallocate()
        columnSquareSum.deallocate()
        lastRow.deallocate()
    }

    var bytes: Int { slots * 3 * MemoryLayout<Float>.size }

    func clear(from start: Int, count: Int) {
        guard count > 0 else { return }
        (columnSum + start).update(repeating: 0, count: count)
        (columnSquareSum + start).update(repeating: 0, count: count)
        (lastRow + start).update(repeating: 0, count: count)
    }
}

/// Statistics eviction policies accumulate across steps (EASYKV-SPEC §3.2): S (sum of attention,
/// or for TOVA the latest attention), Q (sum of squares), C (the counter) and E (an exponential
/// moving average, for the decay policy of §7.3). They move with their slot on compaction.
public final class RunningStatistics: @unchecked Sendable {
    // @unchecked Sendable: owned by one KVCache; see there.

    /// S. Shape: [layers, kvHeads, capacity].
    public let sum: UnsafeMutablePointer<Float>
    /// Q. Shape: [layers, kvHeads, capacity].
    public let squareSum: UnsafeMutablePointer<Float>
    /// C. Shape: [layers, kvHeads, capacity].
    public let counter: UnsafeMutablePointer<Float>
    /// E, and Σe, Σe² for `h2o_head_decay_avg_std`. Shape of each: [layers, kvHeads, capacity].
    public let ema: UnsafeMutablePointer<Float>
    public let emaSum: UnsafeMutablePointer<Float>
    public let emaSquareSum: UnsafeMutablePointer<Float>
    let slots: Int

    init(slots: Int) {
        self.slots = slots
        sum = .allocate(capacity: slots)
        squareSum = .allocate(capacity: slots)
        counter = .allocate(capacity: slots)
        ema = .allocate(capacity: slots)
        emaSum = .allocate(capacity: slots)
        emaSquareSum = .allocate(capacity: slots)
        clear(from: 0, count: slots)
    }

    deinit {
        for p in [sum, squareSum, counter, ema, emaSum, emaSquareSum] { p.deallocate() }
    }

    var bytes: Int { slots * 6 * MemoryLayout<Float>.size }

    @inline(__always) func move(from s: Int, to d: Int) {
        sum[d] = sum[s]
        squareSum[d] = squareSum[s]
        counter[d] = counter[s]
        ema[d] = ema[s]
        emaSum[d] = emaSum[s]
        emaSquareSum[d] = emaSquareSum[s]
    }

    func clear(from start: Int, count: Int) {
        guard count > 0 else { return }
        for p in [sum, squareSum, counter, ema, emaSum, emaSquareSum] { (p + start).update(repeating: 0, count: count) }
    }
}
