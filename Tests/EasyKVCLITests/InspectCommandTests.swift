import Foundation
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
