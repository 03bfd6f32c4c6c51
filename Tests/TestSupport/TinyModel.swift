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
        let source = TestModel.repositoryRoot + "/" + fixture
        guard let file = try? GGUFFile(path: source) else { fatalError("tiny model fixture missing: \(source)") }
        var writer = GGUFWriter()
        writer.alignment = file.alignment
        for key in file.metadataKeys {
            let value = key == "llama.context_length" ? GGUFValue.uint32(UInt32(contextLength)) : file.metadata[key]!
            writer.add(key, value)
        }
        for t in file.tensors {
            writer.addTensor(t.name, dimensions: t.dimensions, type: t.type, data: Array(file.data(for: t)))
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "easykv-tiny-\(ProcessInfo.processInfo.processIdentifier).gguf")
        FileManager.default.createFile(atPath: url.path, contents: Data(writer.bytes()))
        return url.path
    }()

    /// The model with its tokenizer; `customChatTemplate` as a pipeline would give it.
    public static func load(customChatTemplate: String? = nil) throws -> LoadedModel {
        try LoadedModel.load(path: path, customChatTemplate: customChatTemplate)
    }
}
