import Foundation
import Testing

@testable import BatchPipeline

@Suite struct OutputMergerTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "easykv-merge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ lines: [String], torn: String = "") throws -> String {
        let path = folder + "/" + name
        try (lines.map { $0 + "\n" }.joined() + torn).write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func line(_ id: String, _ index: Int, _ status: String, _ output: String = "") -> String {
        #"{"id":"\#(id)","index":\#(index),"status":"\#(status)","output":"\#(output)"}"#
    }

    @Test func mergesInInputOrderOkWins() throws {
        let a = try write("s0.jsonl", [line("c", 2, "ok", "c0"), line("a", 0, "error")])
        let b = try write(
            "s1.jsonl", [line("b", 1, "ok"), line("a", 0, "ok", "a1"), line("d", 3, "error")], torn: #"{"id":"e""#)
        let c = try write("s2.jsonl", [line("a", 0, "error", "late error"), line("c", 2, "ok", "c2")])
        let (lines, summary) = try OutputMerger.merge([a, b, c])
        #expect(
            lines == [line("a", 0, "ok", "a1"), line("b", 1, "ok"), line("c", 2, "ok", "c2"), line("d", 3, "error")])
        #expect(summary.records == 4 && summary.ok == 3 && summary.failed == 1)
        #expect(summary.duplicates == 3)
        #expect(summary.tornFiles == 1)
        #expect(summary.files == 3)

        let out = folder + "/merged/all.jsonl"
        try OutputMerger.merge([a, b, c], into: out)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == lines.map { $0 + "\n" }.joined())
    }

    @Test func missingInputIsAnError() {
        #expect(throws: PipelineError.self) { try OutputMerger.merge([folder + "/nope.jsonl"]) }
    }

    @Test func countsConfigurations() throws {
        func hashed(_ id: String, _ index: Int, _ config: String) -> String {
            #"{"id":"\#(id)","index":\#(index),"status":"ok","config_hash":"\#(config)"}"#
        }
        let same = try write("same.jsonl", [hashed("a", 0, "c1"), hashed("b", 1, "c1")])
        #expect(try OutputMerger.merge([same]).summary.configurations == 1)
        let mixed = try write("mixed.jsonl", [hashed("c", 2, "c2"), line("d", 3, "ok")])
        #expect(try OutputMerger.merge([same, mixed]).summary.configurations == 3)
    }

    /// The merged file is written through a link (issue 16 item 11) and never under a run that
    /// holds the output (item 10).
    @Test func mergeWritesThroughALinkAndRespectsTheLock() throws {
        let a = try write("s0.jsonl", [line("a", 0, "ok")])
        try FileManager.default.createDirectory(atPath: folder + "/store", withIntermediateDirectories: true)
        let link = folder + "/merged.jsonl"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "store/all.jsonl")
        try OutputMerger.merge([a], into: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "store/all.jsonl")
        #expect(try String(contentsOfFile: folder + "/store/all.jsonl", encoding: .utf8) == line("a", 0, "ok") + "\n")
        #expect(!FileManager.default.fileExists(atPath: folder + "/store/all.jsonl.lock"))

        let run = try OutputLock.acquire(output: folder + "/store/all.jsonl")
        defer { run.release() }
        #expect(throws: PipelineError.self) { try OutputMerger.merge([a], into: link) }
    }
}
