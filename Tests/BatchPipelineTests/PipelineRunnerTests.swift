import Foundation
import Ingestion
import Testing

@testable import BatchPipeline

/// End-to-end runs on the tiny model (milliseconds each): what the runner does with inputs,
/// outputs, resumes, shards, questions and long documents.
@Suite struct PipelineRunnerTests {
    /// Records carry what ran (issue 16 §15): the full cache has no budget; a prompt within one
    /// stride whose budget cannot be laid out ran with the full cache, and says so.
    @Test func recordsCarryTheSettingsThatRan() async throws {
        let folder = try PipelineFixtures.folder("effective")
        try PipelineFixtures.write("A short note.", to: folder + "/in/short.txt")
        try PipelineFixtures.write(PipelineFixtures.prose(4), to: folder + "/in/long.txt")
        func records(_ kv: String) async throws -> [OutputRecord] {
            let output = folder + "/\(UUID().uuidString).jsonl"
            let spec = try PipelineSpec.parse(
                yaml: """
                    \(PipelineFixtures.modelYAML(real: false))
                    input: [\(folder)/in]
                    output: \(output)
                    generation: {max_tokens: 3}
                    kv: \(kv)
                    """, origin: "kv.yaml")
            _ = try await PipelineRunner(spec: spec).run()
            return try PipelineFixtures.records(output)
        }
        let full = try await records("{mode: full, budget: 0.5, policy: tova}")
        #expect(full.allSatisfy { $0.kvMode == "full" && $0.policy == "full" && $0.budget == nil })
        let budgeted = try await records("{mode: encoding, budget: 0.25, stride: 256, policy: tova}")
        let long = try #require(budgeted.first { $0.id == "long.txt" })
        let short = try #require(budgeted.first { $0.id == "short.txt" })
        #expect(long.kvMode == "encoding" && long.policy == "tova" && long.budget == .fraction(0.25), "\(long)")
        #expect(long.kvTokensKept < long.promptTokens)
        #expect(short.status == .ok && short.kvMode == "full" && short.budget == nil && short.stride == 256)
        #expect(short.kvTokensKept == short.promptTokens)
    }

    @Test func allFailedIsExitCodeOne() async throws {
        let folder = try PipelineFixtures.folder("allfail")
        let hostile = try PipelineFixtures.writeHostileDocuments(in: folder + "/in")
        let output = folder + "/out.jsonl"
        let summary = try await PipelineRunner(
            spec: try PipelineFixtures.spec(input: [folder + "/in"], output: output)
        ).run()
        let records = try PipelineFixtures.records(output)
        #expect(records.count == hostile.count)
        #expect(records.allSatisfy { $0.status == .error })
        #expect(summary.exitCode == 1)
        #expect(summary.ok == 0 && summary.failed == hostile.count)
    }

    @Test func resumeSkipsOkIDsAndRedoesTheRest() async throws {
        let folder = try PipelineFixtures.folder("resume")
        _ = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 3)
        let output = folder + "/out.jsonl"
        let spec = try PipelineFixtures.spec(input: [folder + "/in"], output: output)
        _ = try await PipelineRunner(spec: spec).run()
        let first = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(first.count == 3)

        // Without --resume a file with results is refused.
        await #expect(throws: PipelineError.self) { _ = try await PipelineRunner(spec: spec).run() }

        // Lose the third line, turn the second into an error record, tear a line at the end.
        let errorLine = first[1].replacingOccurrences(of: #""status":"ok""#, with: #""status":"error""#)
        try (first[0] + "\n" + errorLine + "\n" + #"{"id":"doc2-bo"#).write(
            toFile: output, atomically: false, encoding: .utf8)
        var options = RunOptions()
        options.resume = .matching
        let summary = try await PipelineRunner(spec: spec, options: options).run()
        #expect(summary.alreadyDone == 1)
        #expect(summary.ok == 2 && summary.failed == 0)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == first[0])  // the ok line is kept byte for byte
        let records = try PipelineFixtures.records(output)
        #expect(Set(records.map(\.id)).count == 3)
        #expect(records.allSatisfy { $0.status == .ok })
        // Redone greedily: the same outputs as the first run.
        let firstRecords = try first.map { try JSONDecoder().decode(OutputRecord.self, from: Data($0.utf8)) }
        for r in records { #expect(r.output == firstRecords.first { $0.id == r.id }?.output) }

        // Nothing left: the model is not even loaded.
        let again = try await PipelineRunner(spec: spec, options: options).run()
        #expect(again.alreadyDone == 3 && again.processed == 0 && again.exitCode == 0)
    }

    @Test func threeShardsAreDisjointAndEqualTheUnshardedRun() async throws {
        let folder = try PipelineFixtures.folder("shards")
        _ = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 6)
        try PipelineFixtures.write("", to: folder + "/in/zz-empty.txt")
        let whole = try await PipelineRunner(
            spec: try PipelineFixtures.spec(input: [folder + "/in"], output: folder + "/all.jsonl")
        ).run()
        #expect(whole.inputs == 7)
        var shardFiles: [String] = []
        var idsByShard: [Set<String>] = []
        for i in 0..<3 {
            let spec = try PipelineFixtures.spec(
                input: [folder + "/in"], output: folder + "/part-{shard}-of-{shards}.jsonl")
            var options = RunOptions()
            options.shard = try Shard(index: i, count: 3)
            let summary = try await PipelineRunner(spec: spec, options: options).run()
            let path = folder + "/part-\(i)-of-3.jsonl"
            #expect(summary.output == path)
            shardFiles.append(path)
            let ids = try PipelineFixtures.records(path).map(\.id)
            #expect(ids.allSatisfy { options.shard.contains(id: $0) })
            idsByShard.append(Set(ids))
        }
        for a in 0..<3 { for b in (a + 1)..<3 { #expect(idsByShard[a].isDisjoint(with: idsByShard[b])) } }
        #expect(idsByShard.filter { !$0.isEmpty }.count >= 2)  // the hash really spreads them

        let unsharded = try PipelineFixtures.records(folder + "/all.jsonl")
        #expect(idsByShard.reduce(Set<String>()) { $0.union($1) } == Set(unsharded.map(\.id)))
        // Merged, the shards are the unsharded run line for line (timings aside).
        try OutputMerger.merge(shardFiles, into: folder + "/merged.jsonl")
        func withoutTimings(_ r: OutputRecord) -> OutputRecord {
            var r = r
            r.timings = .init()
            return r
        }
        let merged = try PipelineFixtures.records(folder + "/merged.jsonl")
        #expect(merged.map(withoutTimings) == unsharded.map(withoutTimings))
    }

    @Test func questionsFromJSONLinesAndThePipeline() async throws {
        let folder = try PipelineFixtures.folder("qa")
        let doc = PipelineFixtures.prose(1).replacingOccurrences(of: "\"", with: "'")
        try PipelineFixtures.write(
            """
            {"id":"q-a","text":"\(doc)","question":"Who may copy the program?"}
            {"id":"q-b","text":"\(doc)"}
            {"id":"q-c","text": 5}
            """, to: folder + "/q.jsonl")
        var spec = try PipelineFixtures.spec(input: [folder + "/q.jsonl"], output: folder + "/a.jsonl")
        spec.task = .answer
        let chatTemplate = spec.prompt.chatTemplate
        spec.prompt = PromptSpec.defaults(for: .answer)
        spec.prompt.chatTemplate = chatTemplate
        spec.questions = ["What is this about?", "Is it free?"]
        let summary = try await PipelineRunner(spec: spec).run()
        let records = try PipelineFixtures.records(folder + "/a.jsonl")
        // A line that cannot be used keeps its own id (issue 16 item 18).
        #expect(records.map(\.id) == ["q-a", "q-b#q1", "q-b#q2", "q-c"])
        #expect(
            records.map(\.question) == ["Who may copy the program?", "What is this about?", "Is it free?", nil])
        #expect(records.prefix(3).allSatisfy { $0.status == .ok && $0.task == "answer" })
        #expect(records[3].errorKind == "invalid_json_line")
        #expect(summary.ok == 3 && summary.failed == 1)
    }

    @Test func longDocumentsFollowTheirStrategy() async throws {
        let folder = try PipelineFixtures.folder("long")
        try PipelineFixtures.write(PipelineFixtures.prose(9), to: folder + "/long.txt")
        func run(_ strategy: String, levels: Int = 3) async throws -> OutputRecord {
            let spec = try PipelineSpec.parse(
                yaml: """
                    \(PipelineFixtures.modelYAML(real: false))
                    input: [\(folder)/long.txt]
                    output: \(folder)/\(strategy)-\(levels).jsonl
                    generation: {max_tokens: 8}
                    kv: {budget: 0.5, stride: 64}
                    chunking: {chunk_tokens: 200, overlap_tokens: 10, max_prompt_tokens: 400}
                    long_documents: \(strategy)
                    map_reduce: {max_levels: \(levels)}
                    """, origin: "long.yaml")
            _ = try await PipelineRunner(spec: spec).run()
            let records = try PipelineFixtures.records(folder + "/\(strategy)-\(levels).jsonl")
            try #require(records.count == 1)
            #expect(records[0].longDocuments == strategy)
            return records[0]
        }
        let error = try await run("error")
        #expect(error.status == .error && error.errorKind == "too_long")
        #expect(error.error?.contains("the prompt limit of 400") == true, "\(error.error ?? "")")

        let truncated = try await run("truncate")
        #expect(truncated.status == .ok && truncated.truncated)
        #expect(truncated.promptTokens <= 400 && truncated.promptTokens > 300)

        let mapReduce = try await run("map_reduce")
        #expect(mapReduce.status == .ok, "\(mapReduce.error ?? "")")
        #expect(mapReduce.chunks >= 5)
        #expect(mapReduce.levels >= 2 && mapReduce.levels <= 3)
        #expect(!mapReduce.truncated)
        #expect(mapReduce.generatedTokens > 8)  // every chunk and the reduce generated

        // Tiny limit and two levels at most: the reduce input is cut, and the run still ends.
        let spec = try PipelineSpec.parse(
            yaml: """
                \(PipelineFixtures.modelYAML(real: false))
                input: [\(folder)/long.txt]
                output: \(folder)/deep.jsonl
                task: map_reduce_summary
                generation: {max_tokens: 40}
                kv: {budget: 0.5, stride: 64}
                chunking: {chunk_tokens: 100, overlap_tokens: 0, max_prompt_tokens: 300}
                map_reduce: {max_levels: 2}
                """, origin: "deep.yaml")
        _ = try await PipelineRunner(spec: spec).run()
        let deep = try PipelineFixtures.records(folder + "/deep.jsonl")[0]
        #expect(deep.status == .ok, "\(deep.error ?? "")")
        #expect(deep.levels == 2 && deep.chunks > 5)
        #expect(deep.truncated)
    }

    @Test func interruptedRunWritesWholeLinesAndResumes() async throws {
        let folder = try PipelineFixtures.folder("stop")
        _ = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 5)
        let spec = try PipelineFixtures.spec(input: [folder + "/in"], output: folder + "/o.jsonl", batchSize: 1)
        var options = RunOptions()
        options.stop.request("test")  // before the first input: nothing starts
        let stopped = try await PipelineRunner(spec: spec, options: options).run()
        #expect(stopped.interrupted == "test" && stopped.notProcessed == 5 && stopped.exitCode == 130)
        #expect(try PipelineFixtures.records(folder + "/o.jsonl").isEmpty)
        options = RunOptions()
        options.resume = .matching
        let resumed = try await PipelineRunner(spec: spec, options: options).run()
        #expect(resumed.ok == 5 && resumed.interrupted == nil)
    }
}

extension ModelBackedTests {
    /// The pipeline on the shipped model: real summaries, real evictions.
    @Suite struct SmolLM2PipelineTests {
        @Test func folderRunWritesOneLinePerInputInOrder() async throws {
            let folder = try PipelineFixtures.folder("run")
            let good = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 3)
            let hostile = try PipelineFixtures.writeHostileDocuments(in: folder + "/in")
            let output = folder + "/out/results.jsonl"
            let spec = try PipelineFixtures.spec(input: [folder + "/in"], output: output, real: true)
            let summary = try await PipelineRunner(spec: spec).run()

            let records = try PipelineFixtures.records(output)
            let expected = (good + hostile).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(records.map(\.id) == expected)
            #expect(records.map(\.index) == Array(0..<expected.count))
            for record in records {
                #expect(record.source == folder + "/in/" + record.id)
                #expect(record.schemaVersion == 1 && record.task == "summarize" && record.policy == "roco")
                #expect(record.model == "SmolLM2-135M-Instruct.Q4_1.gguf")
                if good.contains(record.id) {
                    #expect(record.status == .ok, "\(record.id): \(record.error ?? "")")
                    #expect(record.output?.isEmpty == false)
                    #expect(record.promptTokens > 50)
                    #expect((1...6).contains(record.generatedTokens))
                    #expect(record.kvTokensKept > 0 && record.kvTokensKept < record.promptTokens)  // eviction ran
                    #expect(record.timings.prefill > 0 && record.chunks == 1 && record.levels == 1)
                } else {
                    #expect(record.status == .error)
                    #expect(record.output == nil)
                    #expect(record.error?.contains(record.id) == true, "\(record.error ?? "")")
                    #expect(record.errorKind?.isEmpty == false)
                }
            }
            #expect(records.first { $0.id == "empty.txt" }?.errorKind == "empty_document")
            #expect(records.first { $0.id == "lolz.xml" }?.errorKind == "entity_expansion")
            #expect(records.first { $0.id.hasSuffix("page.html") }?.title == "Page 1")
            #expect(summary.inputs == 7 && summary.ok == 3 && summary.failed == 4)
            #expect(summary.failures["empty_document"] == 1)
            #expect(summary.exitCode == 0)
            #expect(summary.peakMemoryBytes > 10_000_000)
        }
    }
}
