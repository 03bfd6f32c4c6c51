#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole input given on the command line — a file, a pipe, a process substitution, or
/// `-` for standard input — refusing more than a limit, so `/dev/zero` or a runaway pipe ends
/// with an error instead of eating the memory. A FIFO without a writer reads as empty instead
/// of blocking in `open`.
public enum BoundedInput {
    /// The largest input accepted by default: the pipeline's `input.max_bytes` default.
    public static let defaultLimit = DocumentLoader.Options.defaultMaxBytes

    /// The bytes of `path` (`-`: standard input).
    public static func read(_ path: String, limit: Int = defaultLimit) throws(IngestionError) -> [UInt8] {
        if path == "-" { return try FileSystem.readAll(fd: STDIN_FILENO, limit: limit, source: "standard input") }
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw IngestionError(source: path, .cannotRead(FileSystem.errorMessage())) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IngestionError(source: path, .cannotRead(FileSystem.errorMessage())) }
        if (st.st_mode & S_IFMT) == S_IFREG {
            guard Int(st.st_size) <= limit else { throw IngestionError(source: path, .tooLarge(limit: limit)) }
        } else if (st.st_mode & S_IFMT) == S_IFDIR {
            throw IngestionError(source: path, .notARegularFile)
        }
        // Pipes and devices: blocking reads from here on, bounded by the limit.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return try FileSystem.readAll(fd: fd, limit: limit, source: path)
    }
}
