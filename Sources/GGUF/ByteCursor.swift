/// A bounds-checked little-endian reader over raw bytes. Every read checks the remaining length
/// first, so a truncated or hostile file produces an error, never an out-of-bounds access.
struct ByteCursor {
    let base: UnsafeRawBufferPointer
    private(set) var offset: Int
    let path: String

    init(_ base: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.base = base
        self.offset = offset
        self.path = path
    }

    var remaining: Int { base.count - offset }

    func fail(_ reason: GGUFError.Reason) -> GGUFError { GGUFError(path: path, reason) }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw fail(.truncated(what: what(), offset: offset)) }
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A GGUF string: a uint64 byte length, then UTF-8 bytes (no terminator).
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else { throw fail(.truncated(what: what(), offset: start)) }
        let count = Int(length)
        let bytes = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
        offset += count
        guard let s = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw fail(.invalidString(what: what()))
        }
        return s
    }
}

extension UnsafeRawBufferPointer {
    fileprivate func bindMemory(to: UInt8.Type) -> UnsafeBufferPointer<UInt8> {
        guard let base = baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count)
    }
}
