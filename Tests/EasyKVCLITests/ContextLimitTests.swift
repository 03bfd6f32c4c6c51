import Foundation
import TestSupport
import Testing

/// Issue 16 items 3, 4 and 5: KV budgets, generation lengths and prompts beyond what the model's
/// context can hold. Each is refused by an error naming the flag or the pipeline key (exit status
/// 2 for flags and pipeline files) at once: no hang (a timeout), no signal, no large allocation
/// (peak RSS under 100 MiB). Before the fixes these spun forever, trapped on an overflow, or
/// aborted on terabyte allocations.
@Suite struct ContextLimitTests {
    /// The peak resident memory every refusal stays under.
    static let memoryLimitKiB = 100 * 1024

    /// A folder with one short document and a pipeline file for the tiny model (context 4,096);
    /// `yaml` is appended to the pipeline.
    struct Run {
        let folder: String
        let pipeline: String
        var output: String { folder + "/o.jsonl" }

        init(_ yaml: String = "", documents: [String: String] = ["a.txt": "A short document."]) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("context-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
            for (name, text) in documents {
                try text.write(toFile: folder + "/in/" + name, atomically: false, encoding: .utf8)
            }
            pipeline = folder + "/p.yaml"
            let base = """
                model: \(TinyModel.path)
                prompt: {chat_template: "{system} {user} Answer:"}

                """
            try (base + yaml).write(toFile: pipeline, atomically: false, encoding: .utf8)
        }

        /// `easykv run` of the pipeline over the folder, measured.
        func run(_ arguments: [String] = [], timeout: Double = 60) throws -> CLIRunner.Measured {
            try CLIRunner.runMeasured(
                ["run", pipeline, "--input", folder + "/in", "--output", output, "--quiet"] + arguments,
                timeout: timeout)
        }

        /// The output's records.
        func records() throws -> [[String: Any]] {
            try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
    }

    /// Expects a refusal: exit status `status`, `message` on stderr, quickly and in little memory.
    /// `mappedFile`: a model the run maps; its pages count in the resident set as the page cache
    /// hands them over (whole large folios of a freshly written file), which is not an allocation.
    static func expectRefusal(
        _ result: CLIRunner.Measured, status: Int32 = 2, _ message: String, _ what: String,
        mappedFile: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let mappedKiB =
            mappedFile.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }
            .map { $0 / 1024 } ?? 0
        #expect(!result.timedOut, "\(what): did not finish", sourceLocation: sourceLocation)
        #expect(result.signal == nil, "\(what): signal \(result.signal ?? 0)", sourceLocation: sourceLocation)
        #expect(result.exitStatus == status, "\(what): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(message), "\(what): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(
            result.peakRSSKiB < memoryLimitKiB + mappedKiB, "\(what): peak RSS \(result.peakRSSKiB) KiB",
            sourceLocation: sourceLocation)
    }

    // MARK: Item 3: budgets

    /// The three budgets: each was a hang, a segfault or a 2 TB allocation.
    static let hugeBudgets: [(mode: String, budget: String)] = [
        ("decoding", "9223372036854775807"), ("auto", "4611686018427387904"), ("decoding", "100000000"),
    ]

    @Test(arguments: hugeBudgets)
    func generateRefusesABudgetBeyondAnyContext(_ mode: String, _ budget: String) throws {
        let result = try CLIRunner.runMeasured(
            [
                "generate", "--raw", "--prompt", "Hello there", "--max-tokens", "4", "--kv-mode", mode, "--budget",
                budget,
            ], timeout: 30)
        Self.expectRefusal(result, "--budget: \(budget) tokens exceeds 16777216 tokens", "generate \(mode) \(budget)")
    }

    @Test(arguments: hugeBudgets)
    func pipelineRefusesABudgetBeyondAnyContext(_ mode: String, _ budget: String) throws {
        let inFile = try Run("kv: {mode: \(mode), budget: \(budget)}\n")
        Self.expectRefusal(
            try inFile.run(), "p.yaml:3: kv.budget: \(budget) tokens exceeds 16777216 tokens", "file \(mode) \(budget)")
        let bySet = try Run()
        Self.expectRefusal(
            try bySet.run(["--set", "kv.mode=\(mode)", "--set", "kv.budget=\(budget)"]),
            "--set kv.budget=\(budget): kv.budget: \(budget) tokens exceeds 16777216 tokens", "--set \(mode) \(budget)")
        #expect(
            !FileManager.default.fileExists(atPath: inFile.output)
                && !FileManager.default.fileExists(atPath: bySet.output))
    }

    /// Below 2^24 but beyond the model's context: refused once the model's context is known,
    /// still as a flag or key error.
    @Test func aBudgetBeyondTheModelsContextIsRefusedByName() throws {
        let generate = try CLIRunner.runMeasured(
            [
                "generate", "--model", TinyModel.path, "--raw", "--prompt", "Hello", "--max-tokens", "4",
                "--kv-mode", "decoding", "--budget", "100000",
            ], timeout: 30)
        Self.expectRefusal(
            generate, "--budget: 100000 tokens exceeds the model's context of 4096 tokens", "generate 100000")
        let run = try Run("kv: {mode: auto, budget: 100000}\n")
        Self.expectRefusal(
            try run.run(), "kv.budget: 100000 tokens exceeds the model's context of 4096 tokens", "run 100000")
    }

    // MARK: Item 4: tokens to generate

    /// Int64.max trapped on an overflow, 10^9 asked for 23 TB, 10^6 for gigabytes.
    static let hugeMaxTokens = ["9223372036854775807", "1000000000", "1000000"]

    @Test(arguments: hugeMaxTokens)
    func generateRefusesMoreTokensThanTheContext(_ count: String) throws {
        let result = try CLIRunner.runMeasured(
            ["generate", "--model", TinyModel.path, "--raw", "--prompt", "Hello", "--max-tokens", count], timeout: 30)
        Self.expectRefusal(
            result, "--max-tokens \(count) exceeds the model's context of 4096 tokens", "generate --max-tokens \(count)"
        )
    }

    @Test(arguments: hugeMaxTokens)
    func pipelineRefusesMoreTokensThanItCanGenerate(_ count: String) throws {
        let message = "generation.max_tokens: \(count) is out of range (1…65536)"
        let byFlag = try Run()
        Self.expectRefusal(
            try byFlag.run(["--max-tokens", count]), "--max-tokens \(count): " + message, "--max-tokens")
        let bySet = try Run()
        Self.expectRefusal(
            try bySet.run(["--set", "generation.max_tokens=\(count)"]),
            "--set generation.max_tokens=\(count): " + message, "--set")
        let inFile = try Run("generation: {max_tokens: \(count)}\n")
        Self.expectRefusal(try inFile.run(), "p.yaml:3: " + message, "file")
    }

    /// Within the file's range but beyond what the context leaves: refused once the model is
    /// known, whether or not the prompt limit is set, instead of failing every document.
    @Test func maxTokensLeavingNoRoomForAPromptIsRefused() throws {
        for yaml in [
            "generation: {max_tokens: 5000}\n", "generation: {max_tokens: 5000}\nchunking: {max_prompt_tokens: 512}\n",
        ] {
            let run = try Run(yaml)
            Self.expectRefusal(
                try run.run(),
                "generation.max_tokens: 5000 leaves no room for a prompt in the model's context of 4096 tokens (at most 4032)",
                yaml)
        }
    }

    // MARK: Item 5: prompts beyond the context

    /// "the" and then " the" 96,000 times: 96,001 tokens for SmolLM2 (context 8,192).
    static let longPrompt = "the" + String(repeating: " the", count: 96_000)

    @Test func generateRefusesAPromptBeyondTheContextWithTheFullCache() throws {
        let model = try TestModel.require()
        let file = CLIRunner.temporaryFile(Array(Self.longPrompt.utf8), name: "long.txt")
        let result = try CLIRunner.runMeasured(
            ["generate", "--model", model, "--raw", "--prompt-file", file, "--max-tokens", "4"], timeout: 60)
        Self.expectRefusal(
            result, status: 1,
            "the prompt (96001 tokens) plus 4 to generate exceeds the model's context of 8192 tokens with the whole prompt cached; shorten it or set a KV budget (e.g. --kv-mode encoding --budget 0.25)",
            "generate 96,001 tokens", mappedFile: model)
    }

    /// A document of about 3.5 times the tiny model's context, with the full cache: `truncate`
    /// keeps the beginning that fits, `map_reduce` goes chunk by chunk; both finish.
    @Test(arguments: ["truncate", "map_reduce"])
    func aLongDocumentWithTheFullCacheStillFinishes(_ strategy: String) throws {
        let sentence = "The river runs past the mill and the old stone bridge. "
        let text = String(repeating: sentence, count: 250)
        let run = try Run(
            "kv: {mode: full}\nlong_documents: \(strategy)\ngeneration: {max_tokens: 4}\nbatch_size: 2\n",
            documents: ["long.txt": text, "short.txt": "A short document."])
        let result = try run.run(timeout: 300)
        #expect(!result.timedOut && result.exitStatus == 0, "\(result.stderr)")
        #expect(result.peakRSSKiB < Self.memoryLimitKiB, "peak RSS \(result.peakRSSKiB) KiB")
        let records = try run.records()
        #expect(records.count == 2)
        let long = try #require(records.first { $0["id"] as? String == "long.txt" })
        #expect(long["status"] as? String == "ok", "\(long)")
        #expect(long["kv_mode"] as? String == "full")
        if strategy == "truncate" {
            #expect(long["truncated"] as? Bool == true)
            let prompt = try #require(long["prompt_tokens"] as? Int)
            #expect(prompt > 3_000 && prompt <= 4096 - 4, "\(prompt)")
        } else {
            #expect((long["chunks"] as? Int ?? 0) >= 3, "\(long)")
            #expect((long["levels"] as? Int ?? 0) >= 2, "\(long)")
        }
    }

    /// A prompt limit the full cache cannot hold would fail every long document: refused once.
    @Test func aPromptLimitBeyondTheContextIsRefusedWithTheFullCache() throws {
        let full = try Run("kv: {mode: full}\nchunking: {max_prompt_tokens: 96001}\ngeneration: {max_tokens: 4}\n")
        Self.expectRefusal(
            try full.run(),
            "chunking.max_prompt_tokens: 96001 plus generation.max_tokens (4) exceeds the model's context of 4096 tokens with the full cache: at most 4092",
            "full")
        let decoding = try Run("kv: {mode: decoding, budget: 64}\nchunking: {max_prompt_tokens: 5000}\n")
        Self.expectRefusal(
            try decoding.run(),
            "chunking.max_prompt_tokens: 5000 exceeds the model's context of 4096 tokens with kv.mode decoding, which keeps the whole prompt: at most 4096",
            "decoding")
    }
}
