import Foundation
import GGUF
import TestSupport
import Testing

/// Issue 16 item 1: a GGUF whose structure is sound but whose hyperparameters are not. Each case
/// is the tiny GQA fixture (hidden 64, 4 heads, 2 KV heads, head size 16, vocabulary 300) with
/// one metadata value changed. `inspect` and `generate` must both exit non-zero with one line
/// naming the file and the key, by an error, not a signal, and without a large allocation.
@Suite struct MalformedModelValueTests {
    /// A metadata change and the key the error must name.
    struct Case: CustomTestStringConvertible, Sendable {
        var key: String
        var value: GGUFValue?
        var extra: [(String, GGUFValue)] = []
        /// Text the message must hold besides the file and the key (the value as printed).
        var shows: String
        var testDescription: String { "\(key) = \(shows)" }
    }

    static let fixture =
        TestModel.repositoryRoot + "/Tests/LanguageModelsTests/Fixtures/forward/tiny/llama_gqa/llama_gqa.f32.gguf"

    static let cases: [Case] = [
        // RoPE dimensions: heap corruption, a 4 TB allocation, unbounded memory, writes past a head.
        Case(key: "llama.rope.dimension_count", value: .uint32(4096), shows: "4096"),
        Case(key: "llama.rope.dimension_count", value: .uint64(1 << 40), shows: "1099511627776"),
        Case(key: "llama.rope.dimension_count", value: .int32(-2), shows: "-2"),
        Case(key: "llama.rope.dimension_count", value: .uint32(18), shows: "18"),
        Case(key: "llama.rope.dimension_count", value: .uint32(15), shows: "15"),
        Case(key: "llama.rope.dimension_count", value: .uint32(0), shows: "0"),
        // Reals: finite and positive.
        Case(key: "llama.attention.layer_norm_rms_epsilon", value: .float32(.nan), shows: "nan"),
        Case(key: "llama.attention.layer_norm_rms_epsilon", value: .float32(0), shows: "0"),
        Case(key: "llama.attention.layer_norm_rms_epsilon", value: .float32(-1e-5), shows: "-9.99"),
        Case(key: "llama.attention.layer_norm_rms_epsilon", value: .float64(1e-60), shows: "0"),
        Case(key: "llama.rope.freq_base", value: .float32(0), shows: "0"),
        Case(key: "llama.rope.freq_base", value: .float32(.infinity), shows: "inf"),
        Case(
            key: "llama.rope.scaling.factor", value: .float32(0),
            extra: [("llama.rope.scaling.type", .string("linear"))], shows: "0"),
        Case(
            key: "llama.rope.scaling.factor", value: .float32(.nan),
            extra: [("llama.rope.scaling.type", .string("dynamic"))], shows: "nan"),
        Case(key: "llama.rope.scaling.type", value: .string("yarn"), shows: "'yarn'"),
        // Vocabulary: the size key, the token list and the embedding rows agree.
        Case(key: "llama.vocab_size", value: .uint32(301), shows: "301"),
        Case(key: "llama.vocab_size", value: .uint32(0), shows: "0"),
        // Heads and sizes.
        Case(key: "llama.attention.head_count", value: .uint32(0), shows: "0"),
        Case(key: "llama.attention.head_count", value: .uint32(128), shows: "128"),
        Case(key: "llama.attention.head_count_kv", value: .uint32(3), shows: "3"),
        Case(key: "llama.attention.head_count_kv", value: .uint32(0), shows: "0"),
        Case(key: "llama.attention.key_length", value: .uint32(15), shows: "15"),
        Case(key: "llama.attention.value_length", value: .uint32(8), shows: "8"),
        Case(key: "llama.embedding_length", value: .uint64(1 << 40), shows: "1099511627776"),
        Case(key: "llama.embedding_length", value: .uint32(32), shows: "32"),
        Case(key: "llama.block_count", value: .uint32(0), shows: "0"),
        Case(key: "llama.block_count", value: .uint32(1 << 20), shows: "1048576"),
        Case(key: "llama.context_length", value: .int32(-1), shows: "-1"),
        Case(key: "llama.context_length", value: .uint64(1 << 40), shows: "1099511627776"),
        Case(key: "llama.feed_forward_length", value: .uint32(0), shows: "0"),
    ]

    /// The fixture with `change` applied, written to a temporary file.
    static func write(_ change: Case) throws -> String {
        var writer = GGUFWriter(copying: try GGUFFile(path: fixture))
        for (key, value) in change.extra { writer.set(key, value) }
        writer.set(change.key, change.value)
        return CLIRunner.temporaryFile(writer.bytes(), name: "malformed.gguf")
    }

    @Test(arguments: cases)
    func inspectAndGenerateRefuseTheValue(_ change: Case) throws {
        let path = try Self.write(change)
        for args in [
            ["inspect", path], ["generate", "--model", path, "--raw", "--prompt", "the", "--max-tokens", "2"],
        ] {
            let result = try CLIRunner.runMeasured(args, timeout: 60)
            #expect(!result.timedOut, "\(args[0]) did not finish")
            #expect(result.signal == nil, "\(args[0]) ended by signal \(result.signal ?? 0)")
            #expect(result.exitStatus != nil && result.exitStatus != 0, "\(args[0]) exited 0: \(result.stdout)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args[0]): \(result.stderr)")
            let line = String(lines.first ?? "")
            #expect(line.contains(path) && line.contains("'\(change.key)'"), "\(args[0]): \(line)")
            #expect(line.contains("is \(change.shows)"), "\(args[0]): \(line)")
            #expect(result.peakRSSKiB < 100 * 1024, "\(args[0]): peak RSS \(result.peakRSSKiB) KiB")
        }
    }

    /// The token list and the embedding disagree: named by the token list's key.
    @Test func tokenListShorterThanTheEmbedding() throws {
        var writer = GGUFWriter(copying: try GGUFFile(path: Self.fixture))
        guard case .array(let tokens)? = writer.metadata.first(where: { $0.0 == GGUFKeys.tokens })?.1 else {
            Issue.record("the fixture has no token list")
            return
        }
        writer.set(GGUFKeys.tokens, .array(Array(tokens.dropLast())))
        let path = CLIRunner.temporaryFile(writer.bytes(), name: "short-vocab.gguf")
        let result = try CLIRunner.runMeasured(["inspect", path])
        #expect(result.exitStatus == 1)
        #expect(result.stderr.contains("'tokenizer.ggml.tokens' is a list of 299 tokens"), "\(result.stderr)")
        #expect(result.stderr.contains("token_embd.weight has 300 rows"))
    }

    /// The unchanged fixture still loads and runs: the checks refuse only what is wrong.
    @Test func theFixtureItselfPasses() throws {
        let inspect = try CLIRunner.runMeasured(["inspect", Self.fixture])
        #expect(inspect.exitStatus == 0, "\(inspect.stderr)")
        let generate = try CLIRunner.runMeasured([
            "generate", "--model", Self.fixture, "--raw", "--prompt", "the", "--max-tokens", "2", "--json",
        ])
        #expect(generate.exitStatus == 0, "\(generate.stderr)")
        #expect(generate.stdout.contains("\"prompt_tokens\""))
    }
}
