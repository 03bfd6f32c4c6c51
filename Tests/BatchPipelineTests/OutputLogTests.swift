import Foundation
import Testing

@testable import BatchPipeline

@Suite struct OutputLogTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "easykv-log-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    @Test func readsEntriesInvalidLinesAndTornTail() throws {
        let path = folder + "/o.jsonl"
        let text = """
            {"id":"a","index":0,"status":"ok","output":"x"}
            not json
            {"id":"b","index":1,"status":"error","error":"e"}

            {"index":2,"status":"ok"}
            {"id":"c","status":"ok"}
            {"id":"d","ind
            """
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let log = try OutputLog.read(path: path)
        #expect(log.entries.map(\.id) == ["a", "b", "c"])
        #expect(log.entries.map(\.index) == [0, 1, nil])
        #expect(log.entries[1].status == .error)
        #expect(log.entries[0].line == #"{"id":"a","index":0,"status":"ok","output":"x"}"#)
        #expect(log.invalidLines == [2, 5])
        #expect(log.tornTailBytes == #"{"id":"d","ind"#.utf8.count)
        #expect(log.completedIDs == ["a", "c"])
    }

    @Test func missingFileIsEmpty() throws {
        let log = try OutputLog.read(path: folder + "/none.jsonl")
        #expect(log.entries.isEmpty && log.invalidLines.isEmpty)
    }

    @Test func rewriteReplacesWholeFile() throws {
        let path = folder + "/r.jsonl"
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        try OutputLog.rewrite(path: path, lines: ["{\"id\":\"1\"}", "{\"id\":\"2\"}"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"id\":\"1\"}\n{\"id\":\"2\"}\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}
