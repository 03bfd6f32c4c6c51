import Kernels

extension CacheAttention {
    /// Keys `0..<rows` of (layer, KV head) as fp32 rows of `headDim` for the score products: the
    /// cache's own rows when they are stored as fp32 and cached rotated; otherwise decoded from
    /// their stored blocks into the scratch and, with streaming positions (keys cached unrotated,
    /// EASYKV-SPEC §2.3), rotated there by slot index.
    static func keyRows(_ p: Parameters, kvHead: Int, rows: Int, scratch: AttentionScratch) -> UnsafePointer<Float> {
        let storage = p.cache.storage
        let d = storage.headDim
        let rope = p.cache.streamingPositions ? p.rope : nil
        if storage.keyFormat == .f32 && rope == nil {
            return UnsafePointer(storage.keyPointer(layer: p.layer, head: kvHead))
        }
        AttentionScratch.ensure(&scratch.rotatedKeys, &scratch.rotatedCapacity, rows * d)
        storage.readKeys(layer: p.layer, head: kvHead, rows: rows, into: scratch.rotatedKeys)
        if let rope {
            for j in 0..<rows { rope.apply(scratch.rotatedKeys + j * d, heads: 1, headDim: d, position: j) }
        }
        return UnsafePointer(scratch.rotatedKeys)
    }

    /// Values `0..<rows` of (layer, KV head) as fp32: in place, or decoded into the scratch.
    static func valueRows(_ p: Parameters, kvHead: Int, rows: Int, scratch: AttentionScratch) -> UnsafePointer<Float> {
        let storage = p.cache.storage
        if storage.valueFormat == .f32 { return UnsafePointer(storage.valuePointer(layer: p.layer, head: kvHead)) }
        AttentionScratch.ensure(&scratch.decodedValues, &scratch.decodedValuesCapacity, rows * storage.headDim)
        storage.readValues(layer: p.layer, head: kvHead, rows: rows, into: scratch.decodedValues)
        return UnsafePointer(scratch.decodedValues)
    }
}
