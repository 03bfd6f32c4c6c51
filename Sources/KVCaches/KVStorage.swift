import Kernels

/// The keys and values of one sequence's cache: per (layer, KV head), `capacity` rows of `headDim`
/// values, each row stored in the cache's `KVFormat` (fp32, or ggml blocks of 32 along the head
/// dimension). Which token a row holds is the business of `KVCells`; rows move in their stored
/// form, whatever the format.
///
/// Rows go in through `write` (quantizing there) and come out through `readKeys`/`readValues`
/// (decoding there); fp32 storage also hands out its rows in place (`keyPointer`).
public final class KVStorage: @unchecked Sendable {
    // @unchecked Sendable: owned by one KVCache; see there.

    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    public let capacity: Int
    public let keyFormat: KVFormat
    public let valueFormat: KVFormat
    /// Bytes of one stored key row and one stored value row.
    public let keyRowBytes: Int
    public let valueRowBytes: Int
    /// Shape: [layers, kvHeads, capacity] rows of `keyRowBytes`.
    let keyData: UnsafeMutableRawPointer
    /// Shape: [layers, kvHeads, capacity] rows of `valueRowBytes`.
    let valueData: UnsafeMutableRawPointer

    /// Storage in `keyFormat`/`valueFormat`; a quantized format needs `headDim` to be a multiple of
    /// its block (callers check settings against the model first: `KVSettings.validate(headDim:)`).
    init(
        layerCount: Int, kvHeadCount: Int, headDim: Int, capacity: Int, keyFormat: KVFormat = .f32,
        valueFormat: KVFormat = .f32
    ) {
        precondition(headDim % keyFormat.blockSize == 0 && headDim % valueFormat.blockSize == 0)
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.capacity = capacity
        self.keyFormat = keyFormat
        self.valueFormat = valueFormat
        keyRowBytes = keyFormat.rowBytes(headDim: headDim)
        valueRowBytes = valueFormat.rowBytes(headDim: headDim)
        let rows = layerCount * kvHeadCount * capacity
        keyData = .allocate(byteCount: rows * keyRowBytes, alignment: 64)
        valueData = .allocate(byteCount: rows * valueRowBytes, alignment: 64)
        keyData.initializeMemory(as: UInt8.self, repeating: 0, count: rows * keyRowBytes)
        valueData.initializeMemory(as: UInt8.self, repeating: 0, count: rows * valueRowBytes)
    }

    deinit {
        keyData.deallocate()
        valueData.deallocate()
    }

    /// Key and value bytes of one slot in every layer and head.
    public var bytesPerSlot: Int { layerCount * kvHeadCount * (keyRowBytes + valueRowBytes) }

    /// Bytes allocated.
    var bytes: Int { capacity * bytesPerSlot }

    @inline(__always) func rowIndex(layer: Int, head: Int) -> Int { (layer * kvHeadCount + head) * capacity }

    /// The stored key rows of (layer, head): `capacity` rows of `keyRowBytes`.
    @inline(__always) public func keyRows(layer: Int, head: Int) -> UnsafeMutableRawPointer {
        keyData + rowIndex(layer: layer, head: head) * keyRowBytes
    }

    /// The stored value rows of (layer, head): `capacity` rows of `valueRowBytes`.
    @inline(__always) public func valueRows(layer: Int, head: Int) -> UnsafeMutableRawPointer {
        valueData + rowIndex(layer: layer, head: head) * valueRowBytes
    }

    /// fp32 keys of (layer, head) in place: `capacity` rows of `headDim`. fp32 storage only.
    @inline(__always) public func keyPointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        precondition(keyFormat == .f32, "keys are stored as \(keyFormat): use write/readKeys")
        return keyRows(layer: layer, head: head).assumingMemoryBound(to: Float.self)
    }

    /// fp32 values of (layer, head) in place. fp32 storage only.
    @inline(__always) public func valuePointer(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        precondition(valueFormat == .f32, "values are stored as \(valueFormat): use write/readValues")
        return valueRows(layer: layer, head: head).assumingMemoryBound(to: Float.self)
    }

    /// Stores one token's key and value (`headDim` floats each) at `slot` of (layer, head),
    /// encoding them in the storage formats.
    @inline(__always)
    public func write(
        layer: Int, head: Int, slot: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>
    ) {
        Self.encode(key, headDim, keyFormat, into: keyRows(layer: layer, head: head) + slot * keyRowBytes)
        Self.encode(value, headDim, valueFormat, into: valueRows(layer: layer, head: head) + slot * valueRowBytes)
    }

    /// Decodes key rows `0..<rows` of (layer, head) into `destination` (`rows · headDim` floats).
    public func readKeys(layer: Int, head: Int, rows: Int, into destination: UnsafeMutablePointer<Float>) {
        Self.decode(keyRows(layer: layer, head: head), rows * headDim, keyFormat, into: destination)
    }

    /// Decodes value rows `0..<rows` of (layer, head) into `destination`.
    public func readValues(layer: Int, head: Int, rows: Int, into destination: UnsafeMutablePointer<Float>) {
        Self.decode(valueRows(layer: layer, head: head), rows * headDim, valueFormat, into: destination)
    }

    @inline(__always)
    private static func encode(
        _ x: UnsafePointer<Float>, _ count: Int, _ format: KVFormat, into row: UnsafeMutableRawPointer
    ) {
        if format == .f32 {
            row.copyMemory(from: x, byteCount: count * MemoryLayout<Float>.size)
        } else {
            // The type is quantizable and `count` a block multiple (checked in init).
            try! WeightFormats.quantize(format.ggmlType, from: x, count: count, into: row)
        }
    }

    private static func decode(
        _ rows: UnsafeRawPointer, _ count: Int, _ format: KVFormat, into destination: UnsafeMutablePointer<Float>
    ) {
        // As in `encode`: a supported type and whole blocks.
        try! WeightFormats.dequantize(format.ggmlType, from: rows, count: count, into: destination)
    }

    /// Moves the rows `survivors` (ascending) of (layer, head) to the front, in their stored form.
    func compact(layer: Int, head: Int, survivors: [Int]) {
        let k = keyRows(layer: layer, head: head)
        let v = valueRows(layer: layer, head: head)
        for (write, read) in survivors.enumerated() where write != read {
            (k + write * keyRowBytes).copyMemory(from: k + read * keyRowBytes, byteCount: keyRowBytes)
            (v + write * valueRowBytes).copyMemory(from: v + read * valueRowBytes, byteCount: valueRowBytes)
        }
    }
}
