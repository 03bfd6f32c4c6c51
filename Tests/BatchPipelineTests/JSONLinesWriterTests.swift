import Foundation
import Testing

@testable import BatchPipeline

@Suite struct JSONLinesWriterTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "easykv-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func writesWholeLinesAndAppends() throws {
        let path = folder + "/out.jsonl"
        let writer = try JSONLinesWriter(path: path)
        try writer.append(#"{"id":"a"}"#)
        try writer.append(#"{"id":"b","text":"ü €"}"#)
        // Readable before close: nothing is buffered in the process.
        #expect(try contents(path) == "{\"id\":\"a\"}\n{\"id\":\"b\",\"text\":\"ü €\"}\n")
        try writer.close()
        let again = try JSONLinesWriter(path: path)
        try again.append(#"{"id":"c"}"#)
        try again.close()
        #expect(try contents(path).split(separator: "\n").count == 3)
        let fresh = try JSONLinesWriter(path: path, truncate: true)
        try fresh.append("{}")
        try fresh.close()
        #expect(try contents(path) == "{}\n")
    }

    @Test func writeAfterCloseFails() throws {
        let writer = try JSONLinesWriter(path: folder + "/c.jsonl")
        try writer.close()
        #expect(throws: PipelineError.self) { try writer.append("{}") }
    }

    @Test func unwritableFolderIsNamed() {
        #expect(throws: PipelineError.self) { try JSONLinesWriter(path: "/nonexistent-folder/x.jsonl") }
    }

    @Test func tornTailIsCut() throws {
        let path = folder + "/torn.jsonl"
        let torn = "{\"id\":\"c\",\"out"
        try ("{\"id\":\"a\"}\n{\"id\":\"b\"}\n" + torn).write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try JSONLinesWriter.repairTornTail(path: path) == torn.utf8.count)
        #expect(try contents(path) == "{\"id\":\"a\"}\n{\"id\":\"b\"}\n")
        // A whole file is left alone.
        #expect(try JSONLinesWriter.repairTornTail(path: path) == 0)
        #expect(try contents(path) == "{\"id\":\"a\"}\n{\"id\":\"b\"}\n")
    }

    @Test func tornOnlyLineEmptiesTheFile() throws {
        let path = folder + "/only.jsonl"
        try "{\"id\":".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try JSONLinesWriter.repairTornTail(path: path) == 6)
        #expect(try contents(path).isEmpty)
        #expect(try JSONLinesWriter.repairTornTail(path: folder + "/missing.jsonl") == 0)
    }

    @Test func tornTailAcrossReadBlocks() throws {
        // The last newline is more than one 64 KiB block before the end.
        let path = folder + "/long.jsonl"
        let whole = "{\"id\":\"a\"}\n"
        let torn = "{\"id\":\"b\",\"output\":\"" + String(repeating: "x", count: 150_000)
        try (whole + torn).write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try JSONLinesWriter.repairTornTail(path: path) == torn.utf8.count)
        #expect(try contents(path) == whole)
    }
}
