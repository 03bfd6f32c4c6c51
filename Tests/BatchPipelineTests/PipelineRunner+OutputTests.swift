import Foundation
import Ingestion
import Testing

@testable import BatchPipeline

/// How a run treats an existing output file and its inputs before the model loads (no model
/// needed): refusals, `--resume` and `--resume=changed`.
@Suite struct PipelineRunnerOutputTests {
    /// The run's `config_hash` in these tests.
    static let config = "c0ffee"

    let folder: String
    let path: String

    init() throws {
        folder = try PipelineFixtures.folder("prepare")
        path = folder + "/o.jsonl"
    }

    /// Units for files `in/<id>` (written with the text `text of <id>`).
    func units(_ ids: [String], questions: [String: String] = [:]) throws -> [WorkUnit] {
        try ids.enumerated().map { k, id in
            let file = folder + "/in/" + id
            if !FileManager.default.fileExists(atPath: file) { try PipelineFixtures.write("text of \(id)", to: file) }
            return WorkUnit(
                id: id, index: k, reference: DocumentReference(id: id, source: file, location: .file(path: file)),
                question: questions[id])
        }
    }

    /// A record line as `--resume` reads it; by default made by this run's settings from the
    /// file's current text.
    func line(
        _ id: String, _ status: String, config: String? = config, content: String? = nil, question: String? = nil
    ) -> String {
        var fields = [#""id":"\#(id)""#]
        if let question { fields.append(#""question":"\#(question)""#) }
        fields.append(#""status":"\#(status)""#)
        if let config { fields.append(#""config_hash":"\#(config)""#) }
        fields.append(#""content_hash":"\#(content ?? SHA256.hex("text of \(id)"))""#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    func write(_ lines: [String], torn: String = "") throws {
        try (lines.map { $0 + "\n" }.joined() + torn).write(toFile: path, atomically: false, encoding: .utf8)
    }

    var lines: [String] {
        get throws { try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init) }
    }

    func prepare(_ units: [WorkUnit], _ resume: RunOptions.Resume, notes: NoteLog = NoteLog()) async throws
        -> [String]
    {
        var options = RunOptions()
        options.resume = resume
        options.log = { notes.append($0) }
        return try await PipelineRunner(spec: PipelineSpec(), options: options).prepareOutput(
            path, units: units, configHash: Self.config
        ).map(\.id)
    }

    /// The refusal message, or nil when the call succeeded.
    func refusal(_ units: [WorkUnit], _ resume: RunOptions.Resume) async -> PipelineError? {
        var options = RunOptions()
        options.resume = resume
        do {
            _ = try await PipelineRunner(spec: PipelineSpec(), options: options).prepareOutput(
                path, units: units, configHash: Self.config)
            return nil
        } catch {
            return error
        }
    }

    @Test func resumeKeepsOkLinesAndDropsLinesToRedo() async throws {
        try write(
            [line("a", "ok"), line("b", "error"), line("c", "error"), line("c", "ok"), "garbage", line("z", "error")],
            torn: #"{"id":"d","st"#)
        #expect(try await prepare(try units(["a", "b", "c", "d"]), .matching) == ["b", "d"])
        // b's error line goes (b is redone), c's error line goes (c has an ok line), the garbage and
        // the torn tail go; z is not an input of this run and keeps its line.
        #expect(try lines == [line("a", "ok"), line("c", "ok"), line("z", "error")])
    }

    /// Issue 16 item 14: records of another configuration were silently kept.
    @Test func recordsOfOtherSettingsAreRefusedOrRedone() async throws {
        let original = [line("a", "ok", config: "other"), line("b", "ok"), line("c", "ok", config: nil)]
        try write(original)
        let units = try units(["a", "b", "c"])
        let error = await refusal(units, .matching)
        #expect(error?.isInvocationError == true)
        #expect(
            error?.description
                == "\(path): 2 finished record(s) no longer match this run: 1 made with other settings (task, prompts, model, generation, kv, chunking, long_documents or map_reduce) (a), 1 without a config_hash (written by an older easykv) (c); pass --resume=changed to redo them, or --overwrite to start over"
        )
        #expect(try lines == original)  // a refusal changes nothing

        let notes = NoteLog()
        #expect(try await prepare(units, .changed, notes: notes) == ["a", "c"])
        #expect(try lines == [line("b", "ok")])
        #expect(notes.text.contains("\(path): redoing 1 made with other settings"))
    }

    @Test func changedInputsAndQuestionsAreRefusedOrRedone() async throws {
        try write([
            line("a", "ok"), line("b", "ok", question: "Old?"), line("c", "ok"),
            line("d", "ok", content: SHA256.hex("text of d, before an edit")),
        ])
        let units = try units(["a", "b", "c", "d"], questions: ["b": "New?"])
        try "text of c, edited".write(toFile: folder + "/in/c", atomically: false, encoding: .utf8)
        let error = await refusal(units, .matching)
        #expect(
            error?.description
                == "\(path): 3 finished record(s) no longer match this run: 1 for another question (b), 2 whose input changed (c, d); pass --resume=changed to redo them, or --overwrite to start over"
        )
        #expect(try await prepare(units, .changed) == ["b", "c", "d"])
        #expect(try lines == [line("a", "ok")])
    }

    @Test func anInputThatCannotBeReadAgainKeepsItsRecord() async throws {
        try write([line("a", "ok"), line("b", "ok")])
        let units = try units(["a", "b"])
        try FileManager.default.removeItem(atPath: folder + "/in/b")
        let notes = NoteLog()
        #expect(try await prepare(units, .matching, notes: notes).isEmpty)
        #expect(try lines == [line("a", "ok"), line("b", "ok")])
        #expect(notes.text.contains("cannot read it again to check its content; its record is kept"))
    }

    /// A summarize output resumed by an answer run (other ids) would mix the two tasks' records.
    @Test func recordsOfOtherInputsMadeWithOtherSettingsRefuseEvenChanged() async throws {
        try write([line("a", "ok"), line("old-1", "ok", config: "summarize"), line("old-2", "error", config: nil)])
        for mode in [RunOptions.Resume.matching, .changed] {
            let error = await refusal(try units(["a"]), mode)
            #expect(
                error?.description
                    == "\(path): holds 2 record(s) of inputs not in this run, made with other settings (old-1, old-2); they cannot be redone: choose another --output, or --overwrite to start over"
            )
        }
    }

    /// Issue 16 item 21: the refusal is an invocation error (exit status 2).
    @Test func withoutResumeAFileWithResultsIsRefused() async throws {
        let units = try units(["a"])
        try write([])
        #expect(try await prepare(units, .off) == ["a"])  // an empty file is no result
        try write([line("a", "ok")])
        let error = await refusal(units, .off)
        #expect(error?.isInvocationError == true)
        #expect(
            error?.description
                == "\(path): already holds results: pass --resume to continue it or --overwrite to start over")
        var options = RunOptions()
        options.overwrite = true
        let runner = PipelineRunner(spec: PipelineSpec(), options: options)
        #expect(try await runner.prepareOutput(path, units: units, configHash: Self.config).count == 1)
    }

    /// Issue 16 items 20 and 22: refusals that come before the lock, the model and any output.
    @Test func refusalsBeforeAnythingIsLoaded() async throws {
        var spec = PipelineSpec()
        spec.model = folder + "/no-such-model.gguf"  // never reached
        spec.output = folder + "/out/o.jsonl"
        spec.input.paths = [folder + "/missing"]
        await #expect(
            throws: PipelineError.invalidSpec(
                location: folder + "/missing", key: "input.paths", message: "no such file or folder")
        ) {
            _ = try await PipelineRunner(spec: spec).run()
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/out"))

        try PipelineFixtures.write("{}\n", to: spec.output)
        spec.input.paths = [spec.output]
        await #expect(
            throws: PipelineError.invalidSpec(
                location: spec.output, key: "input.paths",
                message: "is this run's output (\(spec.output)), not an input")
        ) { _ = try await PipelineRunner(spec: spec).run() }

        spec.output = "-"
        spec.input.paths = [folder]
        var options = RunOptions()
        options.resume = .matching
        await #expect(
            throws: PipelineError.outputConflict(
                path: "--output -", message: "standard output cannot be resumed: give --output a file")
        ) { _ = try await PipelineRunner(spec: spec, options: options).run() }
    }
}

/// Notes a runner logs, collected for assertions.
final class NoteLog: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var notes: [String] = []

    func append(_ note: String) {
        lock.lock()
        notes.append(note)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return notes.joined(separator: "\n")
    }
}
