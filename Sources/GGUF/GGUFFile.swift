#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A memory-mapped GGUF file: header, metadata and tensor index, with tensor data left in place.
///
/// Format: GGUF spec (ggml/docs/gguf.md), versions 2 and 3, little-endian. The parser checks each
/// failure in the order llama.cpp's `gguf_init_from_file` does, and never allocates a size read
/// from the file without first checking that the file is large enough to hold it.
public final class GGUFFile: @unchecked Sendable {
    // @unchecked Sendable: the mapping is read-only and lives until deinit; all stored
    // properties are immutable after init.

    /// The file this was read from.
    public let path: String
    public let version: UInt32
    /// Metadata in file order of first appearance.
    public let metadata: [String: GGUFValue]
    public let metadataKeys: [String]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Byte offset of the tensor data section within the file.
    public let dataOffset: Int
    public let fileSize: Int

    private let mapping: UnsafeMutableRawPointer?
    private let tensorIndex: [String: Int]

    /// Largest accepted array nesting in metadata (real files use 1).
    static let maxNesting = 4
    /// Default `general.alignment`.
    public static let defaultAlignment = 32

    /// Opens and validates `path`. Throws `GGUFError` naming the file and the problem.
    public init(path: String) throws(GGUFError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO with no writer would otherwise block forever (issue 16 item 8);
        // it is refused just below, and on a regular file the flag changes nothing (open(2)).
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw GGUFError(path: path, .cannotOpen(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError(path: path, .cannotOpen(String(cString: strerror(errno)))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError(path: path, .cannotOpen("not a regular file (\(Self.kind(st.st_mode)))"))
        }
        let size = Int(st.st_size)
        var map: UnsafeMutableRawPointer? = nil
        if size > 0 {
            let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let m, m != MAP_FAILED else {
                throw GGUFError(path: path, .cannotOpen("mmap failed: \(String(cString: strerror(errno)))"))
            }
            map = m
        }
        let bytes = UnsafeRawBufferPointer(start: map, count: size)
        do {
            let parsed = try Self.parse(bytes, path: path)
            self.version = parsed.version
            self.metadata = parsed.metadata
            self.metadataKeys = parsed.keys
            self.tensors = parsed.tensors
            self.alignment = parsed.alignment
            self.dataOffset = parsed.dataOffset
        } catch {
            if let map { munmap(map, size) }
            throw error
        }
        self.fileSize = size
        self.mapping = map
        var index: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.tensorIndex = index
    }

    deinit {
        if let mapping { munmap(mapping, fileSize) }
    }

    /// What a `stat` mode says a path is, for messages.
    public static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        default: return "a regular file"
        }
    }

    /// The tensor called `name`, if present.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor called `name`, or an error naming it.
    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError(path: path, .missingTensor(name)) }
        return t
    }

    /// The raw bytes of `tensor`, valid as long as this file object lives.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping! + dataOffset + tensor.offset, count: tensor.byteCount)
    }

    /// Advises the kernel that tensor data will be read soon (or not).
    public func adviseWillNeed(_ tensor: GGUFTensorInfo) {
        #if canImport(Glibc)
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = (dataOffset + tensor.offset) / page * page
            let length = dataOffset + tensor.offset + tensor.byteCount - start
            _ = madvise(mapping! + start, length, MADV_WILLNEED)
        #endif
    }

    // MARK: - Typed metadata access

    public subscript(key: String) -> GGUFValue? { metadata[key] }

    public func int(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key] else { throw GGUFError(path: path, .missingKey(key)) }
        guard let i = value.int else { throw GGUFError(path: path, .wrongValueType(key: key, expected: "an integer")) }
        return i
    }

    public func double(_ key: String) throws(GGUFError) -> Double {
        guard let value = metadata[key] else { throw GGUFError(path: path, .missingKey(key)) }
        guard let d = value.double else { throw GGUFError(path: path, .wrongValueType(key: key, expected: "a number")) }
        return d
    }

    public func string(_ key: String) throws(GGUFError) -> String {
        guard let value = metadata[key] else { throw GGUFError(path: path, .missingKey(key)) }
        guard let s = value.string else { throw GGUFError(path: path, .wrongValueType(key: key, expected: "a string")) }
        return s
    }

    /// An optional value that, when present, must have the right type.
    public func optionalInt(_ key: String) throws(GGUFError) -> Int? {
        metadata[key] == nil ? nil : try int(key)
    }

    public func optionalDouble(_ key: String) throws(GGUFError) -> Double? {
        metadata[key] == nil ? nil : try double(key)
    }

    public func optionalString(_ key: String) throws(GGUFError) -> String? {
        metadata[key] == nil ? nil : try string(key)
    }

    public func optionalBool(_ key: String) throws(GGUFError) -> Bool? {
        guard let value = metadata[key] else { return nil }
        guard let b = value.bool else { throw GGUFError(path: path, .wrongValueType(key: key, expected: "a bool")) }
        return b
    }

    /// Builds the error type of this file for callers in other modules.
    public func error(_ reason: GGUFError.Reason) -> GGUFError { GGUFError(path: path, reason) }
}
