extension GGUFFile {
    /// "GGUF" read as a little-endian uint32.
    static let magic: UInt32 = 0x4655_4747

    struct Parsed {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var keys: [String]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(GGUFError) -> Parsed {
        var cursor = ByteCursor(bytes, path: path)
        let magic = try cursor.read(UInt32.self, "magic")
        guard magic == Self.magic else { throw cursor.fail(.badMagic(magic)) }
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw cursor.fail(.unsupportedVersion(version)) }
        let tensorCount = try cursor.read(UInt64.self, "tensor count")
        let kvCount = try cursor.read(UInt64.self, "metadata count")
        // A tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes,
        // a key/value at least 8 + 4 + 1: refuse counts the file cannot possibly hold.
        guard tensorCount <= UInt64(cursor.remaining / 24) else {
            throw cursor.fail(.countTooLarge(what: "tensor", count: tensorCount))
        }
        guard kvCount <= UInt64(cursor.remaining / 13) else {
            throw cursor.fail(.countTooLarge(what: "metadata", count: kvCount))
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for i in 0..<Int(kvCount) {
            let key = try cursor.readString("metadata key #\(i)")
            let rawType = try cursor.read(UInt32.self, "type of metadata key '\(key)'")
            let value = try readValue(&cursor, rawType: rawType, key: key, depth: 0)
            guard metadata[key] == nil else { throw cursor.fail(.duplicateKey(key)) }
            metadata[key] = value
            keys.append(key)
        }

        var alignment = defaultAlignment
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v <= 1 << 20, v & (v - 1) == 0 else {
                throw cursor.fail(.badAlignment(UInt64(a.int ?? 0)))
            }
            alignment = v
        }

        var infos: [(name: String, dims: [Int], type: GGMLType, offset: UInt64, bytes: Int)] = []
        var seen = Set<String>()
        for i in 0..<Int(tensorCount) {
            let name = try cursor.readString("name of tensor #\(i)")
            let nDims = try cursor.read(UInt32.self, "dimension count of tensor '\(name)'")
            guard nDims >= 1, nDims <= 4 else { throw cursor.fail(.badDimensions(tensor: name, dims: [])) }
            var rawDims: [UInt64] = []
            for d in 0..<Int(nDims) {
                rawDims.append(try cursor.read(UInt64.self, "dimension \(d) of tensor '\(name)'"))
            }
            let rawType = try cursor.read(UInt32.self, "type of tensor '\(name)'")
            let offset = try cursor.read(UInt64.self, "data offset of tensor '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw cursor.fail(.unknownTensorType(tensor: name, rawType: rawType))
            }
            var elements = 1
            var dims: [Int] = []
            for d in rawDims {
                guard d > 0, d < UInt64(Int32.max) else {
                    throw cursor.fail(.badDimensions(tensor: name, dims: rawDims))
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                guard !overflow else { throw cursor.fail(.badDimensions(tensor: name, dims: rawDims)) }
                elements = product
                dims.append(Int(d))
            }
            guard dims[0] % type.blockSize == 0, let byteCount = type.byteCount(elements: elements) else {
                throw cursor.fail(.badDimensions(tensor: name, dims: rawDims))
            }
            guard offset % UInt64(alignment) == 0 else {
                throw cursor.fail(.misalignedTensor(tensor: name, offset: offset, alignment: alignment))
            }
            guard seen.insert(name).inserted else { throw cursor.fail(.duplicateTensor(name)) }
            infos.append((name, dims, type, offset, byteCount))
        }

        let headerEnd = cursor.offset
        let dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            let (end, overflow) = info.offset.addingReportingOverflow(UInt64(info.bytes))
            let fileEnd = UInt64(dataOffset) + end
            guard !overflow, fileEnd <= UInt64(bytes.count) else {
                throw cursor.fail(
                    .tensorPastEnd(tensor: info.name, end: overflow ? .max : fileEnd, fileSize: bytes.count))
            }
            tensors.append(
                GGUFTensorInfo(
                    name: info.name, dimensions: info.dims, type: info.type, offset: Int(info.offset),
                    byteCount: info.bytes))
        }
        // Overlap check on tensors sorted by offset (llama.cpp checks that offsets follow sizes).
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw cursor.fail(.overlappingTensors(a.name, b.name))
        }
        return Parsed(
            version: version, metadata: metadata, keys: keys, tensors: tensors, alignment: alignment,
            dataOffset: dataOffset)
    }

    /// Minimum encoded size of one value of each scalar type; strings take at least their length.
    static func minimumSize(ofType rawType: UInt32) -> Int? {
        switch rawType {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12: return 8
        case 8: return 8
        case 9: return 12
        default: return nil
        }
    }

    static func readValue(_ c: inout ByteCursor, rawType: UInt32, key: String, depth: Int) throws(GGUFError)
        -> GGUFValue
    {
        let what = "value of metadata key '\(key)'"
        switch rawType {
        case 0: return .uint8(try c.read(UInt8.self, what))
        case 1: return .int8(try c.read(Int8.self, what))
        case 2: return .uint16(try c.read(UInt16.self, what))
        case 3: return .int16(try c.read(Int16.self, what))
        case 4: return .uint32(try c.read(UInt32.self, what))
        case 5: return .int32(try c.read(Int32.self, what))
        case 6: return .float32(try c.readFloat(what))
        case 7:
            let b = try c.read(UInt8.self, what)
            return .bool(b != 0)
        case 8: return .string(try c.readString(what))
        case 9:
            guard depth < maxNesting else { throw c.fail(.nestingTooDeep(key: key)) }
            let elementType = try c.read(UInt32.self, "element type of metadata key '\(key)'")
            let count = try c.read(UInt64.self, "element count of metadata key '\(key)'")
            guard let minSize = minimumSize(ofType: elementType) else {
                throw c.fail(.unknownValueType(key: key, rawType: elementType))
            }
            guard count <= UInt64(c.remaining / minSize) else {
                throw c.fail(.countTooLarge(what: "array '\(key)' element", count: count))
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                items.append(try readValue(&c, rawType: elementType, key: key, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try c.read(UInt64.self, what))
        case 11: return .int64(try c.read(Int64.self, what))
        case 12: return .float64(try c.readDouble(what))
        default: throw c.fail(.unknownValueType(key: key, rawType: rawType))
        }
    }
}
