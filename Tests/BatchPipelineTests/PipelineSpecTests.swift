import Foundation
import Ingestion
import KVCaches
import Testing

@testable import BatchPipeline

/// Pipeline files: the shipped ones parse, every kind of mistake is an error naming the file (or
/// flag), the line and the key, and `--set` overrides reach every field.
@Suite struct PipelineSpecTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func parse(_ yaml: String, _ overrides: [String] = []) throws -> PipelineSpec {
        try PipelineSpec.parse(yaml: yaml, origin: "p.yaml", overrides: overrides.map { try SpecOverride(parsing: $0) })
    }

    /// The error's text, or nil when parsing succeeded.
    func error(_ yaml: String, _ overrides: [String] = []) -> String? {
        do {
            _ = try parse(yaml, overrides)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: ["summarize.yaml", "qa.yaml", "map_reduce.yaml"])
    func shippedPipelinesParse(_ name: String) throws {
        let spec = try PipelineSpec.load(path: Self.repository.appendingPathComponent("pipelines/\(name)").path)
        #expect(spec.prompt.user.contains("{document}"))
        #expect(spec.kv.policy == .tova)
        switch name {
        case "summarize.yaml":
            #expect(spec.task == .summarize)
            #expect(spec.output == "output/summaries.jsonl")
            #expect(spec.input.paths == ["input"])
            #expect(spec.kv.budget == .fraction(0.5))
            #expect(spec.chunking.maxPromptTokens == 4096)
            #expect(spec.generation.maxTokens == 96)
        case "qa.yaml":
            #expect(spec.task == .answer)
            #expect(spec.prompt.user.contains("{question}"))
            #expect(spec.concurrency.fetch == 8)
        default:
            #expect(spec.task == .mapReduceSummary)
            #expect(spec.prompt.map?.contains("{document}") == true)
            #expect(spec.chunking.chunkTokens == 768)
            #expect(spec.batchSize == 8)
        }
    }

    @Test func emptyFileGivesDefaults() throws {
        let spec = try parse("")
        #expect(spec.task == .summarize)
        #expect(spec.batchSize == 4)
        #expect(spec.kv.mode == .encoding)
        #expect(spec.longDocuments == .mapReduce)
    }

    @Test func fullFileIsTyped() throws {
        let spec = try parse(
            """
            task: map_reduce_summary
            model: m.gguf
            input: [a, b.jsonl]
            output: out/{shard}-of-{shards}.jsonl
            generation: {max_tokens: 7, temperature: 0.5, top_p: 0.9, top_k: 40, seed: 3, stop: "###"}
            kv: {mode: auto, budget: 300, stride: 64, policy: h2o_head_std_avg, sink: 2, recent_ratio: 0.2}
            chunking: {chunk_tokens: 200, overlap_tokens: 10, max_prompt_tokens: 1000}
            long_documents: truncate
            map_reduce: {max_levels: 4}
            batch_size: 3
            concurrency: {fetch: 5, extract: 6}
            """)
        #expect(spec.task == .mapReduceSummary)
        #expect(spec.model == "m.gguf")
        #expect(spec.input.paths == ["a", "b.jsonl"])
        #expect(spec.outputPath(shard: try Shard(index: 1, count: 3)) == "out/1-of-3.jsonl")
        #expect(
            spec.generation
                == GenerationSpec(maxTokens: 7, temperature: 0.5, topP: 0.9, topK: 40, seed: 3, stop: ["###"]))
        #expect(spec.kv.mode == .auto)
        #expect(spec.kv.budget == .tokens(300))
        #expect(spec.kv.policy == .roco)  // alias
        #expect(spec.kv.stride == 64 && spec.kv.sink == 2 && spec.kv.recentRatio == 0.2)
        #expect(
            spec.chunking.chunkTokens == 200 && spec.chunking.overlapTokens == 10
                && spec.chunking.maxPromptTokens == 1000)
        #expect(spec.longDocuments == .truncate)
        #expect(spec.mapReduce.maxLevels == 4)
        #expect(spec.batchSize == 3)
        #expect(spec.concurrency == ConcurrencySpec(fetch: 5, extract: 6))
    }

    @Test func unknownTopLevelKeyNamesKeyFileAndLine() {
        let e = error("task: summarize\nbatch_sise: 4\n")
        #expect(
            e?.hasPrefix("p.yaml:2: batch_sise: unknown key 'batch_sise' (did you mean 'batch_size'?)") == true,
            "\(e ?? "")")
    }

    @Test func unknownNestedKeyListsValidKeys() {
        let e = error("kv:\n  mode: encoding\n  window: 3\n")
        #expect(
            e
                == "p.yaml:3: kv.window: unknown key 'window'; valid keys here: mode, budget, stride, policy, sink, recent_ratio, keep_attention, streaming_positions, seed, key_type, value_type"
        )
    }

    @Test func badTypesNameTheKey() {
        #expect(error("batch_size: four") == "p.yaml:1: batch_size: expected an integer, got 'four'")
        #expect(error("batch_size: 2.5") == "p.yaml:1: batch_size: expected an integer, got '2.5'")
        #expect(
            error("generation:\n  temperature: hot") == "p.yaml:2: generation.temperature: expected a number, got 'hot'"
        )
        #expect(error("input:\n  hidden: maybe") == "p.yaml:2: input.hidden: expected true or false, got 'maybe'")
        #expect(
            error("kv: 3")
                == "p.yaml:1: kv: expected a mapping with keys mode, budget, stride, policy, sink, recent_ratio, keep_attention, streaming_positions, seed, key_type, value_type, got '3'"
        )
        #expect(error("questions: {a: 1}") == "p.yaml:1: questions: expected a list of strings, got a mapping")
        #expect(
            error("task: translate")
                == "p.yaml:1: task: 'translate' is not one of summarize, answer, map_reduce_summary")
        #expect(error("batch_size: 0") == "p.yaml:1: batch_size: 0 is out of range (1…256)")
        #expect(
            error("kv: {mode: decode}") == "p.yaml:1: kv.mode: 'decode' is not one of full, encoding, decoding, auto")
    }

    @Test func badBudgetAndPolicy() {
        #expect(
            error("kv:\n  budget: half")
                == "p.yaml:2: kv.budget: 'half' is not a budget: give a fraction of the prompt such as 0.5, or a token count such as 512"
        )
        #expect(error("kv:\n  budget: -3")?.hasPrefix("p.yaml:2: kv.budget: '-3' is not a budget") == true)
        let policy = error("kv:\n  policy: lru")
        #expect(
            policy
                == "p.yaml:2: kv.policy: unknown policy 'lru' (valid: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", ")))"
        )
        // A fraction in decoding mode is refused by the settings' own check, at load time.
        let mismatch = error("kv:\n  mode: decoding\n  budget: 0.5")
        #expect(
            mismatch == "p.yaml:3: kv.budget: decoding mode needs a token count (generated tokens kept), got 0.5",
            "\(mismatch ?? "")")
        // A policy that cannot compress a prompt, named by its key.
        #expect(
            error("kv:\n  mode: encoding\n  policy: h2o_head_decay_avg_std")?.hasPrefix(
                "p.yaml:3: kv.policy: 'h2o_head_decay_avg_std' evicts generated tokens only") == true)
    }

    /// `kv.key_type` stores keys and values in that type unless `kv.value_type` says otherwise
    /// (as `--kv-type` and `--kv-value-type` do); a bad or key-incapable type names its key.
    @Test func kvTypesSetTheStorageFormats() throws {
        #expect(try parse("").kv.keyFormat == .f32 && parse("").kv.valueFormat == .f32)
        let both = try parse("kv: {key_type: q8_0}").kv
        #expect(both.keyFormat == .q8_0 && both.valueFormat == .q8_0)
        let split = try parse("kv: {key_type: q8_0, value_type: q4_1}").kv
        #expect(split.keyFormat == .q8_0 && split.valueFormat == .q4_1)
        let values = try parse("kv: {budget: 0.5}", ["kv.value_type=q4_0"]).kv
        #expect(values.keyFormat == .f32 && values.valueFormat == .q4_0)
        #expect(
            error("kv:\n  key_type: q4_0")
                == "p.yaml:2: kv.key_type: keys may be stored as f32 or q8_0, not q4_0 (4-bit types are for values: --kv-value-type)"
        )
        #expect(
            error("kv:\n  value_type: q3")
                == "p.yaml:2: kv.value_type: unknown KV type 'q3' (valid: f32, q8_0, q4_0, q4_1)")
        #expect(
            error("kv:\n  key_type: int8")
                == "p.yaml:2: kv.key_type: unknown KV type 'int8' (valid: f32, q8_0)")
    }

    /// Budgets follow the YAML type (issue 16 §15): an integer in any YAML notation is a token
    /// count, a float a fraction; validation needs no prompt, so a budget far beyond any context
    /// is refused and one that works for short prompts is not.
    @Test func budgetsFollowTheYAMLType() throws {
        func budget(_ text: String) throws -> Budget {
            try PipelineSpec.parse(yaml: "kv: {budget: \(text)}", origin: "p.yaml").kv.budget
        }
        #expect(try budget("0x10") == .tokens(16))
        #expect(try budget("512") == .tokens(512))
        #expect(try budget("1.0") == .fraction(1))
        #expect(try budget("0.25") == .fraction(0.25))
        #expect(try budget("1e-1") == .fraction(0.1))
        #expect(error("kv: {budget: .inf}")?.hasPrefix("p.yaml:1: kv.budget: '.inf' is not a budget") == true)
        #expect(
            error("kv: {mode: decoding, budget: 9223372036854775807}")
                == "p.yaml:1: kv.budget: 9223372036854775807 tokens exceeds \(KVSettings.maximumTokens) tokens")
        // A budget below one stride of a long prompt is a per-prompt matter, not a file error.
        #expect(error("kv: {budget: 0.01, stride: 512}") == nil)
    }

    @Test func promptsNeedTheirPlaceholders() {
        #expect(
            error("prompt:\n  user: Summarize it.")
                == "p.yaml:2: prompt.user: the template has no {document} placeholder")
        #expect(
            error("task: answer\nprompt:\n  user: \"{document}\"")
                == "p.yaml:3: prompt.user: the template has no {question} placeholder")
        #expect(
            error("prompt:\n  chat_template: \"{system}\"")?.contains(
                "prompt.chat_template: a custom chat template needs a {user} placeholder") == true)
        #expect(error("generation:\n  stop: [\"\"]") == "p.yaml:2: generation.stop.0: empty stop string")
    }

    @Test func answerTaskHasQuestionDefaults() throws {
        let spec = try parse("task: answer")
        #expect(spec.prompt.user.contains("{question}"))
        #expect(spec.prompt.reduce.contains("{question}"))
    }

    @Test func duplicateKeyAndVersion() {
        #expect(error("task: summarize\ntask: answer")?.contains("task: duplicate key") == true)
        #expect(error("version: 2") == "p.yaml:1: version: 2 is out of range (1…1)")
    }

    @Test func notYAMLNamesTheFile() {
        let e = error("kv: [unclosed")
        #expect(e?.hasPrefix("p.yaml: not valid YAML") == true)
        #expect(
            error("- a\n- b")
                == "p.yaml:1: a pipeline file is a mapping of \(PipelineSpec.topLevelKeys.joined(separator: ", "))")
    }

    @Test func missingFileNamesIt() {
        #expect(throws: PipelineError.self) { try PipelineSpec.load(path: "/nonexistent/p.yaml") }
        do {
            _ = try PipelineSpec.load(path: "/nonexistent/p.yaml")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/p.yaml: cannot read"))
        }
    }

    // MARK: --set

    @Test func setOverridesDottedPaths() throws {
        let spec = try parse(
            "kv:\n  budget: 0.5\n",
            [
                "kv.budget=0.25", "batch_size=8", "generation.max_tokens=12", "kv.policy=tova",
                "prompt.user=Summarize: {document}", "input.paths=[a, b]", "questions=[\"Who?\", \"Why?\"]",
                "chunking.max_prompt_tokens=null", "prompt.system=null", "long_documents=error",
            ])
        #expect(spec.kv.budget == .fraction(0.25))
        #expect(spec.batchSize == 8)
        #expect(spec.generation.maxTokens == 12)
        #expect(spec.kv.policy == .tova)
        #expect(spec.prompt.user == "Summarize: {document}")
        #expect(spec.input.paths == ["a", "b"])
        #expect(spec.questions == ["Who?", "Why?"])
        #expect(spec.chunking.maxPromptTokens == nil)
        #expect(spec.prompt.system == nil)
        #expect(spec.longDocuments == .error)
    }

    @Test func laterSetWinsAndFlagsOverrideTheFile() throws {
        let spec = try PipelineSpec.parse(
            yaml: "batch_size: 2\ninput: docs\n", origin: "p.yaml",
            overrides: [
                try SpecOverride(parsing: "batch_size=3"), .flag("--batch-size", key: "batch_size", value: "5"),
                .list("--input", key: "input.paths", values: ["x y", "z\"q"]),
            ])
        #expect(spec.batchSize == 5)
        #expect(spec.input.paths == ["x y", "z\"q"])
    }

    @Test func setErrorsNameTheFlag() {
        #expect(
            error("", ["kv.bugdet=0.3"])
                == "--set kv.bugdet=0.3: kv.bugdet: unknown key 'bugdet' (did you mean 'budget'?); valid keys here: mode, budget, stride, policy, sink, recent_ratio, keep_attention, streaming_positions, seed, key_type, value_type"
        )
        #expect(error("", ["batch_size=lots"]) == "--set batch_size=lots: batch_size: expected an integer, got 'lots'")
        #expect(error("", ["kv.budget=0"])?.hasPrefix("--set kv.budget=0: kv.budget: '0' is not a budget") == true)
        #expect(error("", ["nonsense"]) == "--set nonsense: expected key=value (for example kv.budget=0.25)")
        #expect(error("", ["Kv.Budget=1"])?.hasPrefix("--set Kv.Budget=1: Kv.Budget: not a key") == true)
        #expect(
            error("task: summarize", ["task.name=x"])
                == "--set task.name=x: task: cannot set task.name: task is not a mapping")
        let flag = try? PipelineSpec.parse(
            yaml: "", origin: "p.yaml", overrides: [.flag("--max-tokens", key: "generation.max_tokens", value: "0")])
        #expect(flag == nil)
        do {
            _ = try PipelineSpec.parse(
                yaml: "", origin: "p.yaml", overrides: [.flag("--max-tokens", key: "generation.max_tokens", value: "0")]
            )
        } catch {
            #expect(error.description == "--max-tokens 0: generation.max_tokens: 0 is out of range (1…65536)")
        }
    }

    @Test func setValidatesLikeTheFile() {
        // The same budget/mode check as in a file, naming the flag.
        let e = error("kv: {mode: decoding, budget: 100}", ["kv.budget=0.5"])
        #expect(
            e == "--set kv.budget=0.5: kv.budget: decoding mode needs a token count (generated tokens kept), got 0.5",
            "\(e ?? "")")
    }

    /// Issue 16 item 19: input policy keys, safe by default, settable in the file and by --set.
    @Test func inputPolicyKeys() throws {
        let defaults = try parse("")
        #expect(defaults.input.policy == InputPolicy())
        #expect(!defaults.input.policy.allowLocalPaths && !defaults.input.policy.followSymlinksOutside)
        #expect(defaults.input.policy.blockPrivateAddresses)
        let spec = try parse(
            "input: {paths: [a], allow_local_paths: true, follow_symlinks_outside: true}",
            ["input.block_private_addresses=false"])
        #expect(spec.input.policy == .trusting)
        #expect(
            error("input: {allow_local_paths: yes please}")
                == "p.yaml:1: input.allow_local_paths: expected true or false, got 'yes please'")
    }
}
