import Foundation
import Ingestion
import Testing

@testable import BatchPipeline

@Suite struct DiscoverStageTests {
    func reference(_ id: String, question: String? = nil) -> DocumentReference {
        DocumentReference(id: id, source: "in/" + id, location: .file(path: "in/" + id), question: question)
    }

    @Test func oneUnitPerDocumentInOrder() {
        let units = DiscoverStage.units(references: [reference("b"), reference("a")], questions: [])
        #expect(units.map(\.id) == ["b", "a"])
        #expect(units.map(\.index) == [0, 1])
        #expect(units.allSatisfy { $0.question == nil && $0.problem == nil })
    }

    @Test func pipelineQuestionsMultiplyDocuments() {
        let units = DiscoverStage.units(
            references: [reference("a"), reference("b", question: "own?")], questions: ["Q1", "Q2"])
        #expect(units.map(\.id) == ["a#q1", "a#q2", "b"])
        #expect(units.map(\.question) == ["Q1", "Q2", "own?"])
        #expect(units.map(\.index) == [0, 1, 2])
    }

    @Test func failedListingIsOneInputWhateverTheQuestions() {
        let broken = DocumentReference(
            id: "q.jsonl:3", source: "q.jsonl:3",
            location: .failed(IngestionError(source: "q.jsonl", .invalidJSONLine(line: 3, why: "x"))))
        let units = DiscoverStage.units(references: [broken, reference("a")], questions: ["Q1", "Q2"])
        #expect(units.map(\.id) == ["q.jsonl:3", "a#q1", "a#q2"])
    }

    @Test func duplicateIDsBecomeErrorUnits() {
        let units = DiscoverStage.units(references: [reference("a"), reference("a"), reference("a")], questions: [])
        #expect(units.map(\.id) == ["a", "a#dup2", "a#dup3"])
        #expect(units[0].problem == nil)
        #expect(units[1].problem?.kind == "duplicate_id")
        #expect(units[1].problem?.description == "a#dup2: id 'a' already used by input 1")
    }

    @Test func sourcesByKind() throws {
        let folder = NSTemporaryDirectory() + "easykv-discover-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/docs", withIntermediateDirectories: true)
        try "hello".write(toFile: folder + "/docs/one.txt", atomically: false, encoding: .utf8)
        try "skip".write(toFile: folder + "/docs/SOURCES.md", atomically: false, encoding: .utf8)
        try #"{"id":"q1","text":"Some text.","question":"What?"}"#.write(
            toFile: folder + "/q.jsonl", atomically: false, encoding: .utf8)
        try "https://example.org/a\n".write(toFile: folder + "/list.urls", atomically: false, encoding: .utf8)
        var spec = PipelineSpec()
        spec.input.paths = [folder + "/docs", folder + "/q.jsonl", folder + "/list.urls", "https://example.org/b"]
        spec.input.exclude = ["SOURCES.md"]
        let units = DiscoverStage.units(
            references: Ingestor.references(from: DiscoverStage.sources(spec.input)), questions: [])
        #expect(units.map(\.id) == ["one.txt", "q1", "https://example.org/a", "https://example.org/b"])
        #expect(units[1].question == "What?")
    }

    /// Issue 16 item 18: a generated `#dup<k>` id skips ids that real inputs have, later ones
    /// included, so every unit keeps a unique id and the real input keeps its own.
    @Test func duplicateSuffixesNeverCollideWithRealIDs() {
        let units = DiscoverStage.units(
            references: [reference("a"), reference("a"), reference("a#dup2"), reference("a#dup3"), reference("a")],
            questions: [])
        #expect(units.map(\.id) == ["a", "a#dup4", "a#dup2", "a#dup3", "a#dup5"])
        #expect(units.map { $0.problem == nil } == [true, false, true, true, false])
        #expect(Set(units.map(\.id)).count == units.count)
    }

    /// Issue 16 item 12: an output inside an input folder was summarised by the next run.
    @Test func theOutputsOwnFilesAreNeverInputs() async throws {
        let folder = try PipelineFixtures.folder("own")
        for name in ["a.txt", "out.jsonl", "out.jsonl.lock", "out.jsonl.tmp-77", "out.jsonl.bak"] {
            try PipelineFixtures.write("text of \(name)", to: folder + "/in/" + name)
        }
        // The output of a second run, reached through a link inside the input folder.
        try PipelineFixtures.write("{}", to: folder + "/elsewhere/res.jsonl")
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/in/res-link.jsonl", withDestinationPath: folder + "/elsewhere/res.jsonl")
        var spec = PipelineSpec()
        spec.input.paths = [folder + "/in"]
        let everything = try await DiscoverStage().process(spec).map(\.id)
        #expect(
            everything == [
                "a.txt", "out.jsonl", "out.jsonl.bak", "out.jsonl.lock", "out.jsonl.tmp-77", "res-link.jsonl",
            ])
        let own = DiscoverStage.ownFiles(ofOutput: folder + "/in/out.jsonl")
        #expect(own.count == 3)
        let inputs = try await DiscoverStage(excludedFiles: own).process(spec).map(\.id)
        #expect(inputs == ["a.txt", "out.jsonl.bak", "res-link.jsonl"])
        let viaLink = try await DiscoverStage(
            excludedFiles: DiscoverStage.ownFiles(ofOutput: folder + "/elsewhere/res.jsonl")
        )
        .process(spec).map(\.id)
        #expect(!viaLink.contains("res-link.jsonl") && viaLink.contains("out.jsonl"))
        #expect(DiscoverStage.ownFiles(ofOutput: "-").isEmpty)
    }
}
