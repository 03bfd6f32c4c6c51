/// What a `SlotScorer` sees of one (layer, KV head) after a forward step: the slots in use, their
/// keys, values and positions, the step's statistics, the probe's attention and the score each
/// slot was given before. Read-only; indices are cache slots `0..<count`, in position order.
public struct ScoringView {
    public var layer: Int
    public var head: Int
    public var layerCount: Int
    /// Slots in use, `n`.
    public var count: Int
    /// The slots the step appended (its tokens).
    public var fresh: Range<Int>
    /// Front slots that are never evicted in prefill.
    public var sink: Int
    public var headDim: Int
    /// Shape: [count, headDim].
    public var keys: UnsafePointer<Float>
    /// Shape: [count, headDim].
    public var values: UnsafePointer<Float>
    /// Shape: [count].
    public var positions: UnsafePointer<Int32>
    /// The step's column sums of the group-mean attention of its prompt queries. Shape: [count].
    public var columnSum: UnsafePointer<Float>
    /// The group-mean attention of the step's last prompt query. Shape: [count].
    public var lastRow: UnsafePointer<Float>
    /// KV heads of the layer, and the distance between two heads' rows in `lastRow` (and the
    /// other per-slot arrays): a layer-level scorer reads head `h` at `lastRow + (h − head)·headStride`.
    public var kvHeadCount: Int
    public var headStride: Int
    /// Probe statistics of the step (nil without probe rows). Shape of each: [count].
    public var probe: ProbeStatistics.Rows?
    /// The score each slot was left with after the previous step (0 for fresh slots).
    /// Shape: [count].
    public var previous: UnsafePointer<Float>

    public init(
        layer: Int, head: Int, layerCount: Int, count: Int, fresh: Range<Int>, sink: Int, headDim: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, positions: UnsafePointer<Int32>,
        columnSum: UnsafePointer<Float>, lastRow: UnsafePointer<Float>, kvHeadCount: Int = 1, headStride: Int = 0,
        probe: ProbeStatistics.Rows?, previous: UnsafePointer<Float>
    ) {
        self.layer = layer
        self.head = head
        self.layerCount = layerCount
        self.count = count
        self.fresh = fresh
        self.sink = sink
        self.headDim = headDim
        self.keys = keys
        self.values = values
        self.positions = positions
        self.columnSum = columnSum
        self.lastRow = lastRow
        self.kvHeadCount = kvHeadCount
        self.headStride = headStride
        self.probe = probe
        self.previous = previous
    }
}
