import Foundation
import GGUF
import LanguageModels

/// A tiny random-weight Llama (2 layers, hidden 64, 4 query / 2 KV heads, vocabulary 300, Q4_0),
/// the forward fixture `tiny/llama_gqa` that transformers checks in LanguageModelsTests, written
/// again with a longer context so pipelines and evaluations can run real prompts through it in
/// milliseconds. Its outputs are meaningless text, but deterministic: what the tests compare.
public enum TinyModel {
    /// The fixture this model is made from.
    public static let fixture = "Tests/LanguageModelsTests/Fixtures/forward/tiny/llama_gqa/llama_gqa.q4_0.gguf"

    /// Context length of the rewritten file.
    public static let contextLength = 4096

    /// A chat template for pipelines (the tiny vocabulary has no chat tokens).
    public static let chatTemplate = "{system}\n\n{user}\n\nAnswer:"

    /// The rewritten file, made once per test process.
    public static let path: String = {
        guard let path = try? variant(name: "easykv-tiny-\(ProcessInfo.processInfo.processIdentifier).gguf") else {
            fatalError("tiny model fixture missing: \(TestModel.repositoryRoot)/\(fixture)")
        }
        return path
    }()

    /// The same model with fp32 weights (the `--exact`-like reference path of every product).
    public static let f32Fixture = "Tests/LanguageModelsTests/Fixtures/forward/tiny/llama_gqa/llama_gqa.f32.gguf"

    /// `fixture` (a repository path) rewritten with `contextLength` and then `edit` (a changed
    /// key, a poisoned tensor), as `name` in the temporary folder (nil: a new unique name).
    public static func variant(
        of fixture: String = fixture, contextLength: Int = contextLength, name: String? = nil,
        _ edit: (inout GGUFWriter) -> Void = { _ in }
    ) throws -> String {
        var writer = GGUFWriter(copying: try GGUFFile(path: TestModel.repositoryRoot + "/" + fixture))
        writer.set("llama.context_length", .uint32(UInt32(contextLength)))
        edit(&writer)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            name ?? "easykv-tiny-\(UUID().uuidString).gguf")
        try Data(writer.bytes()).write(to: url)
        return url.path
    }

    /// The model with its tokenizer; `customChatTemplate` as a pipeline would give it.
    public static func load(customChatTemplate: String? = nil) throws -> LoadedModel {
        try LoadedModel.load(path: path, customChatTemplate: customChatTemplate)
    }
}
