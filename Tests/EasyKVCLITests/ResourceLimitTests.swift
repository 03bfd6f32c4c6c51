import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Inputs that used to hang the process or eat the memory: a FIFO as the model (issue 16 item 8),
/// an absurd thread count (item 7), and endless input (item 6).
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

    /// Endless input (`/dev/zero` as a file or as standard input) stops at the 16 MiB limit
    /// with an error naming the flag, instead of reading until the memory runs out.
    @Test(
        arguments: [
            (["generate", "--prompt-file", "/dev/zero"], nil, "--prompt-file /dev/zero: larger than the limit"),
            (["generate", "--prompt-file", "-"], "/dev/zero", "--prompt-file standard input: larger than the limit"),
            (["tokenize", "--decode"], "/dev/zero", "--decode standard input: larger than the limit"),
            (["tokenize", "--file", "/dev/zero"], nil, "--file /dev/zero: larger than the limit"),
            (["tokenize", "--file", "-"], "/dev/zero", "--file standard input: larger than the limit"),
        ] as [([String], String?, String)])
    func endlessInputIsCutAtTheLimit(_ args: [String], _ stdin: String?, _ message: String) throws {
        let result = try CLIRunner.runMeasured(args, stdin: stdin, timeout: 60)
        #expect(!result.timedOut, "\(args) did not finish")
        #expect(result.signal == nil)
        #expect(result.exitStatus == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message + " of 16777216 bytes"), "\(result.stderr)")
        #expect(result.peakRSSKiB < 100 * 1024, "peak RSS \(result.peakRSSKiB) KiB")
    }

    /// The bounded reads still read what is there.
    @Test func tokenizeStillReadsFilesAndStandardInput() throws {
        let file = CLIRunner.temporaryFile(Array("Hello world".utf8), name: "hello.txt")
        let encoded = try CLIRunner.run(["tokenize", "--file", file, "--json", "--no-bos"])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        let decoded = try CLIRunner.run(["tokenize", "--decode"], input: encoded.stdout)
        #expect(decoded.status == 0 && decoded.stdout == "Hello world", "\(decoded.stdout) \(decoded.stderr)")
        let piped = try CLIRunner.run(["tokenize", "--file", "-", "--json", "--no-bos"], input: "Hello world")
        #expect(piped.stdout == encoded.stdout)
    }
}
