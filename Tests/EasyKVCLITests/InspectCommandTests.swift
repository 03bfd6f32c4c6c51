import Foundation
import TestSupport
import Testing

@Suite struct InspectCommandTests {
    @Test func jsonHasTheDocumentedKeys() throws {
        let result = try CLIRunner.run(["inspect", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["architecture"] as? String == "llama")
        #expect(object["block_count"] as? Int == 30)
        #expect(object["embedding_length"] as? Int == 576)
        #expect(object["feed_forward_length"] as? Int == 1536)
        #expect(object["head_count"] as? Int == 9)
        #expect(object["head_count_kv"] as? Int == 3)
        #expect(object["context_length"] as? Int == 8192)
        #expect(object["rope_freq_base"] as? Double == 100000)
        #expect(object["rms_epsilon"] as? Double == 1e-5)
        #expect(object["vocab_size"] as? Int == 49152)
        #expect(object["tokenizer_model"] as? String == "gpt2")
        #expect(object["tensor_count"] as? Int == 272)
        #expect(object["tensor_types"] as? [String: Int] == ["F32": 61, "Q4_1": 210, "Q8_0": 1])
    }

    /// Issue 14: the family and what it does differently from Llama, here Gemma 2's.
    @Test func printsTheFamilyTraits() throws {
        let path =
            TestModel.repositoryRoot
            + "/Tests/LanguageModelsTests/Fixtures/forward/tiny/gemma2_swa12_softcap/gemma2_swa12_softcap.f32.gguf"
        let json = try CLIRunner.run(["inspect", "--json", path])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["architecture"] as? String == "gemma2")
        #expect(object["rope_style"] as? String == "neox")
        #expect(object["activation"] as? String == "gelu_tanh")
        #expect(object["embedding_scale"] as? Double == 8)
        #expect(object["post_norms"] as? Bool == true)
        #expect(object["attention_soft_cap"] as? Double == 5 && object["final_logit_soft_cap"] as? Double == 10)
        #expect(object["sliding_window"] as? Int == 12 && object["sliding_window_layers"] as? [Int] == [0, 2])
        #expect(object["head_dim"] as? Int == 24)
        let text = try CLIRunner.run(["inspect", path])
        #expect(text.stdout.contains("architecture:      gemma2"))
        #expect(text.stdout.contains("neox rope, gelu_tanh gate, embedding × 8.0"))
        #expect(text.stdout.contains("sliding window:    12 on layers 0, 2"))
    }

    /// Issue 2: a malformed file exits non-zero with one line naming the file and the problem.
    @Test(arguments: [
        ([UInt8](), "file is truncated"),
        (Array("GGUF".utf8) + [9, 0, 0, 0] + [UInt8](repeating: 0, count: 16), "unsupported GGUF version 9"),
        (Array("NOPE0000".utf8), "not a GGUF file"),
    ])
    func malformedFileIsOneLine(bytes: [UInt8], problem: String) throws {
        let path = CLIRunner.temporaryFile(bytes, name: "broken.gguf")
        let result = try CLIRunner.run(["inspect", path])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(path) == true && lines.first?.contains(problem) == true, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
