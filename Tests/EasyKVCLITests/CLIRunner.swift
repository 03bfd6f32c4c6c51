import Foundation
import TestSupport
import Testing

/// Runs the built `easykv` binary (next to the test bundle in the build folder).
enum CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `$EASYKV_BINARY` (to run the tests against another build), else the one beside the bundle.
    static var binary: URL? {
        if let path = ProcessInfo.processInfo.environment["EASYKV_BINARY"] { return URL(fileURLWithPath: path) }
        let here = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
        var dir = here.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("easykv")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static var modelPath: String? { TestModel.path }

    /// Runs `easykv args…` with `input` on stdin and returns its exit status and output.
    static func run(_ args: [String], input: String? = nil) throws -> Result {
        guard let executable = binary else {
            Issue.record("easykv binary not found next to the test bundle")
            throw CLIRunnerError.binaryNotFound
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        if let modelPath { environment["EASYKV_MODEL"] = modelPath }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes before waiting so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// What `runMeasured` saw of one child process.
    struct Measured {
        /// The exit status, or nil when a signal ended the process.
        var exitStatus: Int32?
        /// The signal that ended the process, if one did.
        var signal: Int32?
        /// Peak resident memory of the child alone (`wait4`'s `ru_maxrss`, KiB on Linux).
        var peakRSSKiB: Int
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Forks and execs `argv[2:]`, waits at most `argv[1]` seconds (then SIGKILL), and prints
    /// "status signal maxrss_kib timed_out" of the child to file descriptor 3.
    ///
    /// Why a helper process: Linux starts a new program's `ru_maxrss` at the high-water mark of
    /// the memory it replaced, so a child spawned straight from this test process (which holds
    /// the model after other tests) reports this process's peak (docs/DESIGN-NOTES.md,
    /// `ProcessMemory`). Forked from a small, freshly started python3 (which `make test` already
    /// needs for the model), the child's figure is its own.
    static let measuringHelper = """
        import os, sys, time
        deadline = time.monotonic() + float(sys.argv[1])
        pid = os.fork()
        if pid == 0:
            os.execv(sys.argv[2], sys.argv[2:])
        timed_out = 0
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                timed_out = 1
                os.kill(pid, 9)
                done, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.01)
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        os.write(3, f"{code} {sig} {usage.ru_maxrss} {timed_out}".encode())
        """

    /// Runs `easykv args…` with standard input read from `stdin` (nil: no input) and `environment`
    /// added to this process's, and waits at most `timeout` seconds (then SIGKILL), measuring the
    /// child's own peak memory (see `measuringHelper`).
    static func runMeasured(
        _ args: [String], stdin: String? = nil, environment extra: [String: String] = [:], timeout: Double = 60
    ) throws -> Measured {
        guard let executable = binary else {
            Issue.record("easykv binary not found next to the test bundle")
            throw CLIRunnerError.binaryNotFound
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let paths = ["stdout", "stderr", "result"].map { dir.appendingPathComponent($0).path }
        for path in paths { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handles = try paths.map { try FileHandle(forWritingTo: URL(fileURLWithPath: $0)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The result goes to descriptor 3: the shell opens it, python inherits it.
        process.arguments =
            [
                "sh", "-c", "exec python3 -c \"$0\" \"$@\" 3>\"\(paths[2])\"", measuringHelper, "\(timeout)",
                executable.path,
            ] + args
        var environment = ProcessInfo.processInfo.environment
        if let modelPath { environment["EASYKV_MODEL"] = modelPath }
        environment.merge(extra) { $1 }
        process.environment = environment
        if let stdin {
            guard let input = FileHandle(forReadingAtPath: stdin) else {
                Issue.record("cannot open \(stdin) as standard input")
                throw CLIRunnerError.cannotOpen(stdin)
            }
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = handles[0]
        process.standardError = handles[1]
        try process.run()
        process.waitUntilExit()
        for handle in handles { try handle.close() }
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let fields = read(paths[2]).split(separator: " ").compactMap { Int($0) }
        guard fields.count == 4 else {
            Issue.record("the measuring helper failed (python3 missing?): \(read(paths[1]))")
            throw CLIRunnerError.binaryNotFound
        }
        return Measured(
            exitStatus: fields[1] == 0 ? Int32(fields[0]) : nil, signal: fields[1] == 0 ? nil : Int32(fields[1]),
            peakRSSKiB: fields[2], timedOut: fields[3] == 1, stdout: read(paths[0]), stderr: read(paths[1]))
    }

    static func temporaryFile(_ bytes: [UInt8], name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}

enum CLIRunnerError: Error {
    case binaryNotFound
    case cannotOpen(String)
}
