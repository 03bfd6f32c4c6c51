import Foundation
import Testing

@testable import BatchPipeline

@Suite struct WriteStageTests {
    func record(_ k: Int) -> OutputRecord {
        var r = OutputRecordTests.sample()
        r.id = "doc\(k)"
        r.index = k
        return r
    }

    @Test func writesInInputOrderWhateverTheFinishingOrder() async throws {
        let folder = try PipelineFixtures.folder("write")
        let path = folder + "/o.jsonl"
        let counters = RunCounters()
        let stage = try WriteStage(path: path, truncate: true, onWrite: { counters.record($0) })
        try await stage.process((2, record(2)))
        try await stage.process((1, record(1)))
        #expect(await stage.written == 0)
        #expect(try PipelineFixtures.records(path).isEmpty)  // 0 is not done: nothing may be written
        try await stage.process((0, record(0)))
        #expect(await stage.written == 3)
        // An interrupted input leaves a hole instead of blocking the ones after it.
        try await stage.process((4, record(4)))
        try await stage.skip(3)
        #expect(await stage.written == 5)
        try await stage.close()
        #expect(try PipelineFixtures.records(path).map(\.id) == ["doc0", "doc1", "doc2", "doc4"])
        #expect(counters.snapshot.written == 4 && counters.snapshot.ok == 4)
    }

    @Test func waitersResumeWhenTheirInputIsWritten() async throws {
        let folder = try PipelineFixtures.folder("wait")
        let stage = try WriteStage(path: folder + "/o.jsonl", truncate: true)
        async let waited: Void = stage.waitUntilWritten(2)
        try await stage.process((1, record(1)))
        try await stage.process((0, record(0)))
        await waited
        #expect(await stage.written == 2)
    }
}
