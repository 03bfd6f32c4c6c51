import Foundation
import Testing

@Suite struct GenerateCommandTests {
    /// With `--exact` (fp32 prefill, transformers' logits within 1e-4) SmolLM2 answers "Paris" and
    /// stops. With the default int8 prefill the rounded hidden states pick another first answer
    /// token on this prompt ("L'Étoile…"); `SmolLM2ReferenceTests` hold the default path to every
    /// choice where transformers' top-2 margin is at least 0.5.
    @Test func chatAnswerAsJSON() throws {
        let result = try CLIRunner.run([
            "generate", "--prompt", "What is the capital of France?", "--max-tokens", "12", "--json", "--exact",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((object["text"] as? String)?.contains("Paris") == true)
        #expect(object["stop_reason"] as? String == "eos")
        #expect(object["prompt_tokens"] as? Int == 37)
        let timings = try #require(object["timings"] as? [String: Any])
        for key in ["prefill_s", "decode_s", "prefill_tok_s", "decode_tok_s"] { #expect(timings[key] is Double) }
        let kv = try #require(object["kv"] as? [String: Any])
        #expect(kv["mode"] as? String == "full" && kv["kept_tokens"] as? Int == 37)
    }

    @Test func budgetedRunReportsKeptTokensAndDumpsPositions() throws {
        let dump = CLIRunner.temporaryFile([], name: "kept.json")
        let prompt = String(
            repeating: "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n",
            count: 20)
        let result = try CLIRunner.run([
            "generate", "--raw", "--prompt", prompt, "--max-tokens", "4", "--json", "--ignore-eos",
            "--kv-mode", "encoding", "--budget", "0.5", "--stride", "32", "--policy", "roco", "--dump-kept", dump,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let kv = try #require(object["kv"] as? [String: Any])
        let promptTokens = try #require(kv["prompt_tokens"] as? Int)
        let kept = try #require(kv["kept_tokens"] as? Int)
        #expect(kept < promptTokens && kept >= promptTokens / 2)
        #expect((object["ids"] as? [Int])?.count == 4)
        let data = try Data(contentsOf: URL(fileURLWithPath: dump))
        let dumped = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let layers = try #require(dumped["kept"] as? [[[Int]]])
        #expect(layers.count == 30 && layers.allSatisfy { $0.count == 3 })
        #expect(
            layers.allSatisfy {
                $0.allSatisfy { $0.count == kept && Set($0).count == kept && $0.allSatisfy { $0 < promptTokens } }
            })
        // RoCo protects the sink: the first 4 positions survive in every head.
        #expect(layers.allSatisfy { $0.allSatisfy { Array($0.prefix(4)) == [0, 1, 2, 3] } })
    }

    @Test(arguments: [
        (["--policy", "h2o"], "unknown policy 'h2o'"),
        (["--kv-mode", "encoding"], "needs --budget"),
        (["--kv-mode", "encoding", "--budget", "abc"], "'abc' is invalid for '--budget"),
        (["--kv-mode", "encoding", "--budget", "0x10"], "'0x10' is invalid for '--budget"),
        (["--kv-mode", "sideways", "--budget", "0.5"], "'sideways' is invalid for '--kv-mode"),
        (["--kv-mode", "decoding", "--budget", "9223372036854775807"], "--budget: 9223372036854775807 tokens exceeds"),
        (["--kv-mode", "decoding", "--budget", "0.5"], "--budget: decoding mode needs a token count"),
        (["--top-p", "0"], "--top-p"),
        (["--model", "/nonexistent/model.gguf"], "/nonexistent/model.gguf"),
        (["--kv-type", "q4_0"], "--kv-type: keys may be stored as f32 or q8_0, not q4_0"),
        (["--kv-value-type", "int4"], "--kv-value-type: unknown KV type 'int4' (valid: f32, q8_0, q4_0, q4_1)"),
    ])
    func badFlagsAreNamed(extra: [String], message: String) throws {
        let result = try CLIRunner.run(["generate", "--prompt", "hi", "--max-tokens", "2"] + extra)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// `--kv-type` stores keys and values quantized, `--kv-value-type` values apart; `--json`
    /// reports both, and the KV bytes are the stored blocks' (q8_0 keys 68 + q4_0 values 36
    /// bytes per head and slot, against 512 in fp32).
    @Test func kvTypesAreAppliedAndReported() throws {
        var bytes: [String: Int] = [:]
        for (flags, keys, values) in [
            ([String](), "f32", "f32"), (["--kv-type", "q8_0", "--kv-value-type", "q4_0"], "q8_0", "q4_0"),
        ] {
            let result = try CLIRunner.run(
                ["generate", "--prompt", "What is the capital of France?", "--max-tokens", "4", "--json"] + flags)
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let kv = try #require(object["kv"] as? [String: Any])
            #expect(kv["key_type"] as? String == keys && kv["value_type"] as? String == values)
            #expect(kv["peak_slots"] as? Int == 37 + 3)
            bytes[keys] = kv["kv_bytes"] as? Int
        }
        #expect(bytes["f32"] == 40 * 30 * 3 * 512 && bytes["q8_0"] == 40 * 30 * 3 * 104)
    }

    @Test func unknownPolicyListsTheValidOnes() throws {
        let result = try CLIRunner.run(["generate", "--prompt", "hi", "--policy", "nope"])
        for name in ["full", "random", "recency", "h2o_head", "tova", "roco", "h2o_head_decay_avg_std"] {
            #expect(result.stderr.contains(name))
        }
    }
}
