#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX file calls ingestion needs, with errors as `IngestionError`.
enum FileSystem {
    struct Status {
        var isRegular: Bool
        var isDirectory: Bool
        var size: Int
        var device: UInt64
        var inode: UInt64
    }

    /// `stat` (following symbolic links), or `lstat` when `followLinks` is false.
    static func status(_ path: String, followLinks: Bool = true) -> Status? {
        status(RawPath(path), followLinks: followLinks)
    }

    static func status(_ path: RawPath, followLinks: Bool = true) -> Status? {
        var st = stat()
        let rc = path.withCString { followLinks ? stat($0, &st) : lstat($0, &st) }
        guard rc == 0 else { return nil }
        let type = st.st_mode & S_IFMT
        return Status(
            isRegular: type == S_IFREG, isDirectory: type == S_IFDIR, size: Int(st.st_size),
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    static func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory ?? false }

    static func isSymbolicLink(_ path: RawPath) -> Bool {
        var st = stat()
        return path.withCString { lstat($0, &st) } == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// The absolute path with every symbolic link resolved (`realpath(3)`), or nil.
    static func resolved(_ path: RawPath) -> RawPath? {
        guard let real = path.withCString({ realpath($0, nil) }) else { return nil }
        defer { free(real) }
        return RawPath(bytes: Array(UnsafeRawBufferPointer(start: real, count: strlen(real))))
    }

    /// Whether `path` is `folder` or lies below it (both already `resolved`).
    static func isInside(_ path: RawPath, _ folder: RawPath) -> Bool {
        if folder.bytes == [UInt8(ascii: "/")] { return true }
        return path.bytes == folder.bytes
            || (path.bytes.starts(with: folder.bytes) && path.bytes[folder.bytes.count] == UInt8(ascii: "/"))
    }

    static func errorMessage(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// Reads a regular file, refusing (before reading) anything larger than `limit` bytes and
    /// anything that is not a regular file (a FIFO would block forever).
    static func readFile(_ path: String, limit: Int, source: String) throws(IngestionError) -> [UInt8] {
        try readFile(RawPath(path), limit: limit, source: source)
    }

    static func readFile(_ path: RawPath, limit: Int, source: String) throws(IngestionError) -> [UInt8] {
        let fd = path.withCString { open($0, O_RDONLY | O_NONBLOCK) }
        guard fd >= 0 else { throw IngestionError(source: source, .cannotRead(errorMessage())) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IngestionError(source: source, .cannotRead(errorMessage())) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw IngestionError(source: source, .notARegularFile) }
        let size = Int(st.st_size)
        guard size <= limit else { throw IngestionError(source: source, .tooLarge(limit: limit)) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestionError(source: source, .cannotRead(errorMessage()))
            }
            if n == 0 { break }  // the file shrank while we read it
            done += n
        }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }

    /// Reads a file descriptor (standard input) to its end, refusing more than `limit` bytes.
    static func readAll(fd: Int32, limit: Int, source: String) throws(IngestionError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestionError(source: source, .cannotRead(errorMessage()))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw IngestionError(source: source, .tooLarge(limit: limit)) }
        }
        return bytes
    }

    /// Entry names of a directory as their bytes (a name need not be UTF-8), sorted, without
    /// `.` and `..`.
    static func directoryEntries(_ path: RawPath) throws(IngestionError) -> [RawPath] {
        guard let dir = path.withCString({ opendir($0) }) else {
            throw IngestionError(source: path.escaped, .cannotRead(errorMessage()))
        }
        defer { closedir(dir) }
        var names: [RawPath] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] {
                names.append(RawPath(bytes: name))
            }
        }
        return names.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }
}
