import Foundation
import GGUF
import TestSupport
import Testing

/// Issue 16 item 9: a model whose weights hold NaN used to report `stop_reason: eos` with empty
/// text and exit 0. Now the sequence fails with an error naming the model: `generate` exits 1,
/// and a pipeline writes an error record for that document while the others finish. Both the
/// int8 products (the default, where a NaN must not vanish in the activation quantizer) and the
/// fp32 ones are covered.
@Suite struct NonFiniteLogitsTests {
    /// `tensor` with the values of `rows` (nil: every row) made NaN: each F32 value, or the f16
    /// scale `d` that starts every 18-byte ggml `block_q4_0` (ggml-common.h).
    static func poison(_ writer: inout GGUFWriter, _ tensor: String, rows: [Int]? = nil) throws {
        let i = try #require(writer.tensors.firstIndex { $0.name == tensor }, "no tensor \(tensor)")
        let t = writer.tensors[i]
        let rowLength = t.dimensions[0]
        let rowCount = t.dimensions.dropFirst().reduce(1, *)
        let rowBytes = t.data.count / rowCount
        for row in rows ?? Array(0..<rowCount) {
            let start = row * rowBytes
            switch t.type {
            case .f32:
                for k in 0..<rowLength {
                    writer.tensors[i].data.replaceSubrange(
                        (start + 4 * k)..<(start + 4 * k + 4), with: [0x00, 0x00, 0xC0, 0x7F])
                }
            case .q4_0:
                for block in 0..<(rowLength / 32) {
                    writer.tensors[i].data.replaceSubrange(
                        (start + 18 * block)..<(start + 18 * block + 2), with: [0x00, 0x7E])
                }
            default:
                Issue.record("\(tensor) is \(t.type): cannot poison it")
            }
        }
    }

    /// The tiny model (`fixture`) with `tensor` poisoned.
    static func poisoned(_ fixture: String, _ tensor: String, rows: [Int]? = nil) throws -> String {
        var failure: (any Error)?
        let path = try TinyModel.variant(of: fixture) { writer in
            do { try poison(&writer, tensor, rows: rows) } catch { failure = error }
        }
        if let failure { throw failure }
        return path
    }

    @Test(arguments: [TinyModel.fixture, TinyModel.f32Fixture], [[], ["--exact"]])
    func generateFailsNamingTheModel(_ fixture: String, _ flags: [String]) throws {
        let path = try Self.poisoned(fixture, "output_norm.weight")
        let name = URL(fileURLWithPath: path).lastPathComponent
        for json in [[], ["--json"]] {
            let result = try CLIRunner.runMeasured(
                ["generate", "--model", path, "--raw", "--prompt", "the river runs", "--max-tokens", "4"] + flags
                    + json, timeout: 60)
            #expect(!result.timedOut && result.signal == nil)
            #expect(result.exitStatus == 1, "\(result.stdout) \(result.stderr)")
            #expect(
                result.stderr.contains("\(name) produced non-finite logits (NaN or infinity) for generated token 1"),
                "\(result.stderr)")
            #expect(!result.stdout.contains("stop_reason"), "\(result.stdout)")
        }
    }

    /// One token's embedding row is NaN, in the int8 path of every kernel set: the portable set's
    /// activation quantizer used to drop a block of NaNs, so the prompt's NaN position vanished
    /// and generation went on, exit 0, with text from a broken model.
    @Test func aNaNPositionInThePromptIsNotLostInAnyKernelSet() throws {
        let tilde = try Self.tildeToken()
        let path = try Self.poisoned(TinyModel.fixture, "token_embd.weight", rows: [tilde])
        let name = URL(fileURLWithPath: path).lastPathComponent
        // A set this CPU cannot run is ignored (the best set runs instead).
        for kernels in ["portable", "avx2", "avx512-vnni"] {
            let result = try CLIRunner.runMeasured(
                [
                    "generate", "--model", path, "--raw", "--prompt", "the river ~ runs past the mill", "--max-tokens",
                    "4",
                ],
                environment: ["EASYKV_KERNELS": kernels], timeout: 60)
            #expect(result.exitStatus == 1, "\(kernels): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("\(name) produced non-finite logits"), "\(kernels): \(result.stderr)")
        }
    }

    /// The tiny vocabulary's id of "~" (one token).
    static func tildeToken() throws -> Int {
        let ids = try CLIRunner.run(["tokenize", "--model", TinyModel.path, "--text", "~", "--no-bos", "--json"])
        let tilde = try #require(
            try JSONSerialization.jsonObject(with: Data(ids.stdout.utf8)) as? [Int], "\(ids.stderr)")
        try #require(tilde.count == 1, "'~' is \(tilde) in the tiny vocabulary")
        return tilde[0]
    }

    /// One token's embedding row is NaN: the document that holds the token fails with a record
    /// naming the model, the other document finishes, and the run exits 0.
    @Test(arguments: [TinyModel.fixture, TinyModel.f32Fixture])
    func aPipelineWritesAnErrorRecordAndFinishesTheOthers(_ fixture: String) throws {
        let path = try Self.poisoned(fixture, "token_embd.weight", rows: [try Self.tildeToken()])
        let name = URL(fileURLWithPath: path).lastPathComponent

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
        try "The river runs past the mill and the bridge.".write(
            toFile: folder + "/in/good.txt", atomically: false, encoding: .utf8)
        try "The river runs ~ past the mill and the bridge.".write(
            toFile: folder + "/in/poisoned.txt", atomically: false, encoding: .utf8)
        try """
        model: \(path)
        prompt: {chat_template: "{system} {user} Answer:"}
        generation: {max_tokens: 4}
        batch_size: 2

        """.write(toFile: folder + "/p.yaml", atomically: false, encoding: .utf8)
        let output = folder + "/o.jsonl"
        let result = try CLIRunner.runMeasured(
            ["run", folder + "/p.yaml", "--input", folder + "/in", "--output", output, "--quiet"], timeout: 120)
        #expect(!result.timedOut && result.exitStatus == 0, "\(result.stderr)")
        let records = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(records.count == 2)
        let good = try #require(records.first { $0["id"] as? String == "good.txt" })
        #expect(good["status"] as? String == "ok", "\(good)")
        #expect((good["generated_tokens"] as? Int ?? 0) >= 1)
        let bad = try #require(records.first { $0["id"] as? String == "poisoned.txt" })
        #expect(bad["status"] as? String == "error", "\(bad)")
        #expect(bad["error_kind"] as? String == "non_finite_logits", "\(bad)")
        #expect((bad["error"] as? String)?.contains("\(name) produced non-finite logits") == true, "\(bad)")
    }
}
