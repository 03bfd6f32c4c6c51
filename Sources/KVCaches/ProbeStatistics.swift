/// What probe rows leave per (layer, KV head, slot) after a forward step (`CacheAttention`'s probe
/// pass): the sum over probe rows of the group-mean attention, and the largest attention any
/// probe query head gave the slot. Allocated only for caches whose policy runs probes.
public final class ProbeStatistics: @unchecked Sendable {
    // @unchecked Sendable: owned by one KVCache; kernels write disjoint (layer, head) slices.

    /// One (layer, head)'s rows.
    public struct Rows {
        /// Σ over probe rows of ā (the mean over the KV head's query heads). Shape: [count].
        public var sum: UnsafeMutablePointer<Float>
        /// max over probe rows and query heads of the attention probability; for a restricted
        /// (reconstruction) pass, only the fresh slots are set. Shape: [count].
        public var maximum: UnsafeMutablePointer<Float>

        public init(sum: UnsafeMutablePointer<Float>, maximum: UnsafeMutablePointer<Float>) {
            self.sum = sum
            self.maximum = maximum
        }
    }

    /// Shape: [layers, kvHeads, capacity].
    public let sum: UnsafeMutablePointer<Float>
    /// Shape: [layers, kvHeads, capacity].
    public let maximum: UnsafeMutablePointer<Float>
    let slots: Int

    init(slots: Int) {
        self.slots = slots
        sum = .allocate(capacity: slots)
        maximum = .allocate(capacity: slots)
        sum.initialize(repeating: 0, count: slots)
        maximum.initialize(repeating: 0, count: slots)
    }

    deinit {
        sum.deallocate()
        maximum.deallocate()
    }

    var bytes: Int { slots * 2 * MemoryLayout<Float>.size }

    /// The rows of the (layer, head) whose first slot is `base`.
    public func rows(base: Int) -> Rows { Rows(sum: sum + base, maximum: maximum + base) }
}
