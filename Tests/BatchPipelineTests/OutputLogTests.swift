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

    @Test func readsQuestionAndHashes() throws {
        let path = folder + "/h.jsonl"
        try """
        {"id":"a#q1","index":0,"question":"Why?","status":"ok","config_hash":"c1","content_hash":"t1"}
        {"id":"b","index":1,"status":"error","config_hash":"c1","content_hash":null}
        {"id":"c","index":2,"status":"ok"}

        """.write(toFile: path, atomically: false, encoding: .utf8)
        let entries = try OutputLog.read(path: path).entries
        #expect(entries.map(\.question) == ["Why?", nil, nil])
        #expect(entries.map(\.configHash) == ["c1", "c1", nil])
        #expect(entries.map(\.contentHash) == ["t1", nil, nil])
    }

    /// Issue 16 item 11: the rewrite of a `--resume` used to replace the link by a regular file.
    @Test func rewriteThroughALinkReplacesTheTargetAndKeepsTheLink() throws {
        try FileManager.default.createDirectory(atPath: folder + "/store", withIntermediateDirectories: true)
        let target = folder + "/store/results.jsonl"
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        chmod(target, 0o640)
        let link = folder + "/latest.jsonl"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "store/results.jsonl")
        try OutputLog.rewrite(path: link, lines: ["{\"id\":\"1\"}"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "store/results.jsonl")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "{\"id\":\"1\"}\n")
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/store").filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
    }
}
