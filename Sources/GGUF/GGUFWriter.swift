/// Builds GGUF v3 bytes in memory: used by tests (malformed-file cases, tiny models) and by
/// tools that write small models. Values are written exactly as given; nothing is validated,
/// so a test can also write broken files on purpose.
public struct GGUFWriter {
    public struct Tensor {
        public var name: String
        public var dimensions: [Int]
        public var type: GGMLType
        public var data: [UInt8]
        public init(name: String, dimensions: [Int], type: GGMLType, data: [UInt8]) {
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.data = data
        }
    }

    public var version: UInt32 = 3
    public var alignment: Int = GGUFFile.defaultAlignment
    public var metadata: [(String, GGUFValue)] = []
    public var tensors: [Tensor] = []

    public init() {}

    /// A writer holding everything `file` holds (metadata in file order, tensors with their
    /// bytes), so a test can change one value of a real file and write it back.
    public init(copying file: GGUFFile) {
        version = file.version
        alignment = file.alignment
        metadata = file.metadataKeys.compactMap { key in file[key].map { (key, $0) } }
        tensors = file.tensors.map {
            Tensor(name: $0.name, dimensions: $0.dimensions, type: $0.type, data: Array(file.data(for: $0)))
        }
    }

    public mutating func add(_ key: String, _ value: GGUFValue) { metadata.append((key, value)) }

    /// Sets `key` to `value` (in place when present, else appended); nil removes it.
    public mutating func set(_ key: String, _ value: GGUFValue?) {
        if let i = metadata.firstIndex(where: { $0.0 == key }) {
            if let value { metadata[i].1 = value } else { metadata.remove(at: i) }
        } else if let value {
            metadata.append((key, value))
        }
    }

    public mutating func addTensor(_ name: String, dimensions: [Int], type: GGMLType, data: [UInt8]) {
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, data: data))
    }

    /// F32 tensor from floats.
    public mutating func addTensor(_ name: String, dimensions: [Int], floats: [Float]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        addTensor(name, dimensions: dimensions, type: .f32, data: bytes)
    }

    /// The encoded file.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        Self.put(&out, GGUFFile.magic)
        Self.put(&out, version)
        Self.put(&out, UInt64(tensors.count))
        Self.put(&out, UInt64(metadata.count))
        for (key, value) in metadata {
            Self.putString(&out, key)
            Self.put(&out, Self.typeCode(value))
            Self.putValue(&out, value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset = (offset + t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, off) in zip(tensors, offsets) {
            Self.putString(&out, t.name)
            Self.put(&out, UInt32(t.dimensions.count))
            for d in t.dimensions { Self.put(&out, UInt64(d)) }
            Self.put(&out, t.type.rawValue)
            Self.put(&out, UInt64(off))
        }
        while out.count % alignment != 0 { out.append(0) }
        for (t, off) in zip(tensors, offsets) {
            precondition(out.count % alignment == 0)
            _ = off
            out.append(contentsOf: t.data)
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    static func put<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func putString(_ out: inout [UInt8], _ s: String) {
        put(&out, UInt64(s.utf8.count))
        out.append(contentsOf: s.utf8)
    }

    static func typeCode(_ v: GGUFValue) -> UInt32 {
        switch v {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    static func putValue(_ out: inout [UInt8], _ v: GGUFValue) {
        switch v {
        case .uint8(let x): put(&out, x)
        case .int8(let x): put(&out, x)
        case .uint16(let x): put(&out, x)
        case .int16(let x): put(&out, x)
        case .uint32(let x): put(&out, x)
        case .int32(let x): put(&out, x)
        case .float32(let x): put(&out, x.bitPattern)
        case .bool(let x): out.append(x ? 1 : 0)
        case .string(let s): putString(&out, s)
        case .array(let items):
            put(&out, items.first.map(typeCode) ?? 0)
            put(&out, UInt64(items.count))
            for item in items { putValue(&out, item) }
        case .uint64(let x): put(&out, x)
        case .int64(let x): put(&out, x)
        case .float64(let x): put(&out, x.bitPattern)
        }
    }
}
