import Foundation
import Testing

@testable import BatchPipeline

/// One writer per output. flock(2) locks belong to the open file description, so two claims in
/// one process contend exactly as two processes do.
@Suite struct OutputLockTests {
    @Test func aSecondClaimIsRefusedNamingTheHolder() throws {
        let folder = try PipelineFixtures.folder("lock")
        let output = folder + "/out.jsonl"
        let first = try OutputLock.acquire(output: output)
        #expect(first.path == output + ".lock")
        #expect(try String(contentsOfFile: first.path, encoding: .utf8) == "\(getpid())\n")
        do {
            _ = try OutputLock.acquire(output: output)
            Issue.record("a second claim was granted")
        } catch {
            #expect(error.isInvocationError)
            #expect(
                error.description
                    == "\(output): another easykv process (pid \(getpid())) is writing this output (lock \(output).lock); wait for it to finish or choose another --output"
            )
        }
        first.release()
        #expect(!FileManager.default.fileExists(atPath: output + ".lock"))
        let again = try OutputLock.acquire(output: output)
        again.release()
    }

    @Test func aLinkAndItsTargetShareOneLock() throws {
        let folder = try PipelineFixtures.folder("lock-link")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.jsonl", withDestinationPath: "target.jsonl")
        let viaTarget = try OutputLock.acquire(output: folder + "/target.jsonl")
        defer { viaTarget.release() }
        #expect(throws: PipelineError.self) { _ = try OutputLock.acquire(output: folder + "/link.jsonl") }
    }

    @Test func aLockLeftByAKilledHolderDoesNotBlock() throws {
        let folder = try PipelineFixtures.folder("lock-stale")
        let output = folder + "/out.jsonl"
        // What SIGKILL leaves: the file with a pid, but no open description holding a lock.
        try "999999\n".write(toFile: output + ".lock", atomically: false, encoding: .utf8)
        let lock = try OutputLock.acquire(output: output)
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")
        lock.release()
    }
}
