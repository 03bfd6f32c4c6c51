import Foundation
import KVCaches
import Kernels
import Testing

/// Storage in every format: what `write` stores is the format's encoding of the row, `read`
/// decodes it, compaction moves stored rows with their positions, and the byte counts are the
/// stored bytes.
@Suite struct KVStorageTests {
    static let pairs: [(KVFormat, KVFormat)] = [(.f32, .f32), (.q8_0, .q8_0), (.q8_0, .q4_0), (.f32, .q4_1)]

    static func row(_ seed: Int, _ d: Int) -> [Float] {
        (0..<d).map { Float(sin(Double(seed * 131 + $0) * 0.37)) * Float(1 + seed % 5) }
    }

    /// The stored bytes of each row are exactly `WeightFormats.quantize` of it (fp32: the floats),
    /// and reading decodes them as `WeightFormats.dequantize` does.
    @Test(arguments: 0..<4)
    func writeEncodesAndReadDecodes(pair: Int) throws {
        let (kf, vf) = Self.pairs[pair]
        let d = 64
        let cache = KVCache(layerCount: 2, kvHeadCount: 3, headDim: d, capacity: 5, keyFormat: kf, valueFormat: vf)
        let storage = cache.storage
        #expect(storage.keyRowBytes == kf.rowBytes(headDim: d) && storage.valueRowBytes == vf.rowBytes(headDim: d))
        for l in 0..<2 {
            _ = try cache.reserve(layer: l, count: 5)
            for h in 0..<3 {
                for s in 0..<5 {
                    let seed = (l * 3 + h) * 5 + s
                    storage.write(layer: l, head: h, slot: s, key: Self.row(seed, d), value: Self.row(seed + 100, d))
                }
            }
        }
        func encoded(_ x: [Float], _ f: KVFormat) throws -> [UInt8] {
            if f == .f32 { return x.withUnsafeBytes { Array($0) } }
            var out = [UInt8](repeating: 0, count: f.rowBytes(headDim: d))
            try WeightFormats.quantize(f.ggmlType, from: x, count: d, into: &out)
            return out
        }
        for l in 0..<2 {
            for h in 0..<3 {
                var keys = [Float](repeating: .nan, count: 5 * d)
                var values = keys
                storage.readKeys(layer: l, head: h, rows: 5, into: &keys)
                storage.readValues(layer: l, head: h, rows: 5, into: &values)
                for s in 0..<5 {
                    let seed = (l * 3 + h) * 5 + s
                    let k = Array(
                        UnsafeRawBufferPointer(
                            start: storage.keyRows(layer: l, head: h) + s * storage.keyRowBytes,
                            count: storage.keyRowBytes))
                    let v = Array(
                        UnsafeRawBufferPointer(
                            start: storage.valueRows(layer: l, head: h) + s * storage.valueRowBytes,
                            count: storage.valueRowBytes))
                    #expect(try k == encoded(Self.row(seed, d), kf), "key \(l) \(h) \(s)")
                    #expect(try v == encoded(Self.row(seed + 100, d), vf), "value \(l) \(h) \(s)")
                    var back = [Float](repeating: 0, count: d)
                    try WeightFormats.dequantize(kf.ggmlType, from: k, count: d, into: &back)
                    #expect(Array(keys[(s * d)..<((s + 1) * d)]) == back)
                    try WeightFormats.dequantize(vf.ggmlType, from: v, count: d, into: &back)
                    #expect(Array(values[(s * d)..<((s + 1) * d)]) == back)
                }
            }
        }
    }

    /// Eviction moves stored rows, whatever their format, together with their positions: after
    /// removing per-head slots each survivor's key and value bytes are those written for its
    /// position.
    @Test(arguments: 0..<4)
    func compactionMovesStoredRows(pair: Int) throws {
        let (kf, vf) = Self.pairs[pair]
        let d = 32
        let n = 9
        let cache = KVCache(layerCount: 1, kvHeadCount: 2, headDim: d, capacity: n, keyFormat: kf, valueFormat: vf)
        _ = try cache.reserve(layer: 0, count: n)
        var written: [[Int: ([UInt8], [UInt8])]] = [[:], [:]]
        let storage = cache.storage
        func stored(_ h: Int, _ s: Int) -> ([UInt8], [UInt8]) {
            (
                Array(
                    UnsafeRawBufferPointer(
                        start: storage.keyRows(layer: 0, head: h) + s * storage.keyRowBytes,
                        count: storage.keyRowBytes)),
                Array(
                    UnsafeRawBufferPointer(
                        start: storage.valueRows(layer: 0, head: h) + s * storage.valueRowBytes,
                        count: storage.valueRowBytes))
            )
        }
        for h in 0..<2 {
            for s in 0..<n {
                let position = 10 * h + s
                storage.write(
                    layer: 0, head: h, slot: s, key: Self.row(position, d), value: Self.row(position + 50, d))
                cache.positionPointer(layer: 0, head: h)[s] = Int32(position)
                written[h][position] = stored(h, s)
            }
        }
        cache.remove(slots: [0, 4, 8], layer: 0, head: 0)
        cache.remove(slots: [1, 2, 7], layer: 0, head: 1)
        cache.finishEviction(layer: 0, removed: 3)
        #expect(cache.keptPositions(layer: 0, head: 0) == [1, 2, 3, 5, 6, 7])
        #expect(cache.keptPositions(layer: 0, head: 1) == [10, 13, 14, 15, 16, 18])
        for h in 0..<2 {
            for (s, position) in cache.keptPositions(layer: 0, head: h).enumerated() {
                let (k, v) = stored(h, s)
                #expect(k == written[h][position]!.0 && v == written[h][position]!.1, "head \(h) slot \(s)")
            }
        }
    }

    /// Byte accounting follows the stored rows: SmolLM2's shape (30 layers, 3 KV heads, head
    /// dimension 64) holds 136 key+value bytes per head and slot in q8_0 against 512 in fp32
    /// (0.27×; issue 15 asks for at most 0.55×), 104 with q4_0 values.
    @Test func bytesAreTheStoredBytes() throws {
        func cache(_ k: KVFormat, _ v: KVFormat) -> KVCache {
            KVCache(layerCount: 30, kvHeadCount: 3, headDim: 64, capacity: 100, keyFormat: k, valueFormat: v)
        }
        let fp32 = cache(.f32, .f32)
        let q8 = cache(.q8_0, .q8_0)
        let q8q4 = cache(.q8_0, .q4_0)
        #expect(fp32.storage.bytesPerSlot == 30 * 3 * 512)
        #expect(q8.storage.bytesPerSlot == 30 * 3 * 136)
        #expect(q8q4.storage.bytesPerSlot == 30 * 3 * 104)
        #expect(Double(q8.storage.bytesPerSlot) <= 0.55 * Double(fp32.storage.bytesPerSlot))
        for c in [fp32, q8, q8q4] {
            for l in 0..<30 { _ = try c.reserve(layer: l, count: 40) }
            #expect(c.peakBytes == 40 * c.storage.bytesPerSlot)
            #expect(c.bytesInUse == 40 * c.storage.bytesPerSlot)
        }
        // Allocation: stored rows plus the bookkeeping (positions and 9 statistics per slot), which
        // does not change with the format.
        let bookkeeping = 30 * 3 * 100 * (4 + 9 * 4)
        #expect(fp32.bytesAllocated == 100 * fp32.storage.bytesPerSlot + bookkeeping)
        #expect(q8.bytesAllocated == 100 * q8.storage.bytesPerSlot + bookkeeping)
    }
}
