import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Inputs that used to hang the process: a FIFO as the model (issue 16 item 8) and an absurd
/// thread count (item 7).
@Suite struct ResourceLimitTests {
    @Test func fifoAsTheModelIsRefusedAtOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let fifo = dir.appendingPathComponent("model.gguf").path
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for args in [["inspect", fifo], ["generate", "--model", fifo, "--prompt", "hi", "--max-tokens", "1"]] {
            let result = try CLIRunner.runMeasured(args, timeout: 20)
            #expect(!result.timedOut, "\(args[0]) blocked on the FIFO")
            #expect(result.exitStatus != nil && result.exitStatus != 0)
            #expect(result.stderr.contains("\(fifo): not a regular file (a FIFO)"), "\(args[0]): \(result.stderr)")
        }
    }

    @Test func threadsBeyondTheCoresAreClampedWithANote() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let result = try CLIRunner.runMeasured(
            ["generate", "--raw", "--prompt", "Hello", "--max-tokens", "1", "--threads", "100000"], timeout: 120)
        #expect(!result.timedOut)
        #expect(result.exitStatus == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("note: --threads 100000 is more than the \(cores) cores here; using \(cores)"),
            "\(result.stderr)")
    }
}
