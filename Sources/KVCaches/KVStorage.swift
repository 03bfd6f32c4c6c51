/// The keys and values of one sequence's cache, fp32: per (layer, KV head), `capacity` rows of
/// `headDim`. Which token a row holds is the business of `KVCells`.
public final class KVStorage: @unchecked Sendable {
    // @unchecked Sendable: owned by one KVCache; see there.

    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    public let capacity: Int
    /// Shape: [layers, kvHeads, capacity, headDim].
    public let keys: UnsafeMutablePointer<Float>
    /// Shape: [layers, kvHeads, capacity, headDim].
    public let values: UnsafeMutablePointer<Float>

    init(layerCount: Int, kvHeadCount: Int, headDim: Int, capacity: Int) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.capacity = capacity
        let floats = layerCount * kvHeadCount * capacity * headDim
        keys = .allocate(capacity: floats)
        values = .allocate(capacity: floats)
        keys.initialize(repeating: 0, count: floats)
        values.initialize(repeating: 0, count: floats)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Key and value bytes of one slot in every layer and head.
    public var bytesPerSlot: Int { layerCount * kvHeadCount * headDim * 2 * MemoryLayout<Float>.size }

    /// Bytes allocated.
    var bytes: Int { capacity * bytesPerSlot }

    @inline(__always) func rowBase(layer: Int, head: Int) -> Int { (layer * kvHeadCount + head) * capacity * headDim }

    /// Keys of (layer, head): `capacity` rows of `headDim`.
    @inline(__always) public func keyPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        keys + rowBase(layer: layer, head: head)
    }

    @inline(__always) public func valuePointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        values + rowBase(layer: layer, head: head)
    }

    /// Moves the rows `survivors` (ascending) of (layer, head) to the front.
    func compact(layer: Int, head: Int, survivors: [Int]) {
        let k = keyPointer(layer: layer, head: head)
        let v = valuePointer(layer: layer, head: head)
        for (write, read) in survivors.enumerated() where write != read {
            (k + write * headDim).update(from: k + read * headDim, count: headDim)
            (v + write * headDim).update(from: v + read * headDim, count: headDim)
        }
    }
}
