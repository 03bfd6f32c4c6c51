#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends lines to a JSON Lines file so that each line is written whole or not at all.
///
/// The file is opened with `O_APPEND` and each line goes out, with its newline, in one
/// `write(2)` (continued only if the kernel takes part of it, which for regular files happens
/// only when the disk fills). Nothing is buffered in the process, so a line is on its way to disk
/// as soon as `append` returns: SIGKILL can lose the line being written, never tear one that was
/// written. `fsync` every `syncEvery` lines guards against power loss too. A torn last line (no
/// newline: the disk filled, or a writer without this guarantee) is cut off by `repairTornTail`
/// before a resumed run appends.
public final class JSONLinesWriter {
    public let path: String
    private var fd: Int32
    /// False for standard output: it is neither fsynced (a pipe or terminal cannot be) nor closed.
    private let ownsDescriptor: Bool
    /// fsync after this many lines (0: only on `close`).
    public let syncEvery: Int
    private var sinceSync = 0
    public private(set) var linesWritten = 0

    /// Opens (creating, or with `truncate` emptying) `path` for appending.
    public init(path: String, truncate: Bool = false, syncEvery: Int = 0) throws(PipelineError) {
        self.path = path
        self.syncEvery = syncEvery
        ownsDescriptor = true
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            throw PipelineError.output(path: path, message: "cannot open for writing: \(Self.errnoText())")
        }
    }

    private init(standardOutputPath: String) {
        path = standardOutputPath
        syncEvery = 0
        ownsDescriptor = false
        fd = STDOUT_FILENO
    }

    /// Writes to standard output (`--output -`), each line in one `write(2)` like a file, so a
    /// reader of the pipe never sees half a line.
    public static func standardOutput() -> JSONLinesWriter {
        JSONLinesWriter(standardOutputPath: OutputPath.standardOutput)
    }

    deinit { try? close() }

    /// Writes `line` and a newline. `line` must not contain a newline (JSON Lines).
    public func append(_ line: String) throws(PipelineError) {
        guard fd >= 0 else { throw PipelineError.output(path: path, message: "writer is closed") }
        precondition(!line.utf8.contains(0x0A), "a JSON line must not contain a newline")
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError.output(path: path, message: "write failed: \(Self.errnoText())")
            }
            offset += n
        }
        linesWritten += 1
        sinceSync += 1
        if syncEvery > 0, sinceSync >= syncEvery { try sync() }
    }

    /// Flushes the file to disk.
    public func sync() throws(PipelineError) {
        guard fd >= 0, ownsDescriptor else { return }
        sinceSync = 0
        guard fsync(fd) == 0 else {
            throw PipelineError.output(path: path, message: "fsync failed: \(Self.errnoText())")
        }
    }

    public func close() throws(PipelineError) {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        try sync()
        if ownsDescriptor { _ = closeDescriptor(fd) }
    }

    /// Cuts `path` back to its last newline if it ends in a partial line. Returns the bytes
    /// removed (0 when the file is whole or missing).
    @discardableResult
    public static func repairTornTail(path: String) throws(PipelineError) -> Int {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return 0 }
            throw PipelineError.output(path: path, message: "cannot open: \(errnoText())")
        }
        defer { _ = closeDescriptor(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw PipelineError.output(path: path, message: "cannot stat: \(errnoText())")
        }
        let size = Int(info.st_size)
        guard size > 0 else { return 0 }
        // Scan backwards in blocks for the last newline.
        var end = size
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var keep = 0
        search: while end > 0 {
            let start = max(0, end - buffer.count)
            let count = end - start
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(start)) }
            guard n == count else { throw PipelineError.output(path: path, message: "cannot read: \(errnoText())") }
            if end == size, buffer[count - 1] == 0x0A { return 0 }
            for i in stride(from: count - 1, through: 0, by: -1) where buffer[i] == 0x0A {
                keep = start + i + 1
                break search
            }
            end = start
        }
        guard ftruncate(fd, off_t(keep)) == 0 else {
            throw PipelineError.output(path: path, message: "cannot cut the torn last line: \(errnoText())")
        }
        _ = fsync(fd)
        return size - keep
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// `close(2)`, reachable from inside types that have their own `close`.
func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
