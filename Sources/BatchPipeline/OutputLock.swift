#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive claim on an output file for one run (or `easykv merge`), so a second writer is
/// refused instead of interleaving lines or replacing the file under the first (issue 16 item
/// 10: two runs on one output lost 2,984 of 3,001 records).
///
/// The claim is `flock(LOCK_EX | LOCK_NB)` on `<output>.lock` beside the output's resolved file,
/// not on the output itself: `--resume` and `merge` replace the output by renaming a new file
/// over it, and a lock on the old inode would not stop a writer that opens the new one. The
/// kernel drops the lock when its holder exits, however it exits (SIGKILL included), so a
/// crashed run never blocks the next one. The holder writes its pid into the file for the
/// refusal message and removes the file when it releases the claim; a process that locked a file
/// that was removed meanwhile sees a different inode at the path and tries again (the usual
/// lock-file protocol: flock(2)'s locks belong to the open file, not to the name).
public final class OutputLock {
    /// The lock file.
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Claims `output` (a path as given; links are followed). Throws `.outputConflict` when
    /// another process holds it, `.output` when the lock file cannot be created.
    public static func acquire(output: String) throws(PipelineError) -> OutputLock {
        let target = OutputPath.resolvingLinks(output)
        let path = OutputPath.lockPath(for: target)
        for _ in 0..<100 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw PipelineError.output(
                    path: output, message: "cannot create the lock file \(path): \(JSONLinesWriter.errnoText())")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let code = errno
                let holder = Self.holder(fd)
                _ = closeDescriptor(fd)
                guard code == EWOULDBLOCK else {
                    throw PipelineError.output(
                        path: output, message: "cannot lock \(path): \(String(cString: strerror(code)))")
                }
                let who = holder.map { "another easykv process (pid \($0))" } ?? "another easykv process"
                throw PipelineError.outputConflict(
                    path: output,
                    message:
                        "\(who) is writing this output (lock \(path)); wait for it to finish or choose another --output"
                )
            }
            var held = stat()
            var named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_dev == named.st_dev,
                held.st_ino == named.st_ino
            {
                let pid = Array("\(getpid())\n".utf8)
                _ = ftruncate(fd, 0)
                _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
                return OutputLock(path: path, fd: fd)
            }
            // The previous holder removed the file between our open and our lock: try the new one.
            _ = closeDescriptor(fd)
        }
        throw PipelineError.output(path: output, message: "cannot lock \(path): it keeps being replaced")
    }

    /// Removes the lock file and drops the claim (idempotent). The file goes first, while the
    /// claim still stands, so no other process can lock it and then lose it to the removal.
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        _ = closeDescriptor(fd)
        fd = -1
    }

    /// The pid a holder wrote into the lock file, if readable.
    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int(String(decoding: buffer[0..<n].filter { (0x30...0x39).contains($0) }, as: UTF8.self))
    }
}
