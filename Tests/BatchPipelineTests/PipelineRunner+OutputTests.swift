import Foundation
import Ingestion
import Testing

@testable import BatchPipeline

/// How a run treats an existing output file (no model needed).
@Suite struct PipelineRunnerOutputTests {
    func units(_ ids: [String]) -> [WorkUnit] {
        ids.enumerated().map { k, id in
            WorkUnit(id: id, index: k, reference: DocumentReference(id: id, source: id, location: .file(path: id)))
        }
    }

    func line(_ id: String, _ status: String) -> String { #"{"id":"\#(id)","status":"\#(status)"}"# }

    @Test func resumeKeepsOkLinesAndDropsLinesToRedo() throws {
        let folder = try PipelineFixtures.folder("prepare")
        let path = folder + "/o.jsonl"
        let text =
            [line("a", "ok"), line("b", "error"), line("c", "error"), line("c", "ok"), "garbage", line("z", "error")]
            .map { $0 + "\n" }.joined() + #"{"id":"d","st"#
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        var options = RunOptions()
        options.resume = true
        let todo = try PipelineRunner(spec: PipelineSpec(), options: options).prepareOutput(
            path, units: units(["a", "b", "c", "d"]))
        #expect(todo.map(\.id) == ["b", "d"])
        // b's error line goes (b is redone), c's error line goes (c has an ok line), the garbage and
        // the torn tail go; z is not an input of this run and keeps its line.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == [line("a", "ok"), line("c", "ok"), line("z", "error")])
    }

    @Test func withoutResumeAFileWithResultsIsRefused() throws {
        let folder = try PipelineFixtures.folder("refuse")
        let path = folder + "/sub/o.jsonl"
        let runner = PipelineRunner(spec: PipelineSpec())
        #expect(try runner.prepareOutput(path, units: units(["a"])).count == 1)  // creates the folder
        #expect(FileManager.default.fileExists(atPath: folder + "/sub"))
        try (line("a", "ok") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try runner.prepareOutput(path, units: units(["a"]))
            Issue.record("accepted a file with results")
        } catch {
            #expect(
                error.description
                    == "\(path): already holds results: pass --resume to continue it or --overwrite to start over")
        }
        var options = RunOptions()
        options.overwrite = true
        #expect(
            try PipelineRunner(spec: PipelineSpec(), options: options).prepareOutput(path, units: units(["a"])).count
                == 1)
    }
}
