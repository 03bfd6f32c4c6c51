import Foundation
import GGUF
import KVCaches
import TestSupport
import Testing

@testable import BatchPipeline

/// `config_hash`: every setting that changes a record's output changes it; settings that do not
/// (paths, batching, concurrency) leave it alone; the model counts by name, size and header.
@Suite struct PipelineSpecFingerprintTests {
    static let model = ModelIdentity(name: "m.gguf", size: 1000, headerSHA256: String(repeating: "a", count: 64))

    static func base() -> PipelineSpec {
        var spec = PipelineSpec()
        spec.kv.budget = .fraction(0.5)
        return spec
    }

    static let changesOutput: [(String, @Sendable (inout PipelineSpec) -> Void)] = [
        ("task", { $0.task = .answer }),
        ("prompt.system", { $0.prompt.system = nil }),
        ("prompt.user", { $0.prompt.user += " " }),
        ("prompt.map", { $0.prompt.map = "Map: {document}" }),
        ("prompt.reduce", { $0.prompt.reduce = "Reduce: {document}" }),
        ("prompt.chat_template", { $0.prompt.chatTemplate = "{system}{user}" }),
        ("generation.max_tokens", { $0.generation.maxTokens += 1 }),
        ("generation.temperature", { $0.generation.temperature = 0.7 }),
        ("generation.top_p", { $0.generation.topP = 0.9 }),
        ("generation.top_k", { $0.generation.topK = 40 }),
        ("generation.seed", { $0.generation.seed = 1 }),
        ("generation.stop", { $0.generation.stop = ["\n\n"] }),
        ("kv.mode", { $0.kv.mode = .full }),
        ("kv.budget 0.25", { $0.kv.budget = .fraction(0.25) }),
        // A fraction of 1.0 and a budget of 1 token are different budgets.
        ("kv.budget kind", { $0.kv.budget = .fraction(1) }),
        ("kv.stride", { $0.kv.stride = 64 }),
        ("kv.policy", { $0.kv.policy = .tova }),
        ("kv.sink", { $0.kv.sink = 0 }),
        ("kv.recent_ratio", { $0.kv.recentRatio = 0.2 }),
        ("kv.key_type", { $0.kv.keyFormat = .q8_0 }),
        ("kv.value_type", { $0.kv.valueFormat = .q4_0 }),
        ("chunking.chunk_tokens", { $0.chunking.chunkTokens = 512 }),
        ("chunking.overlap_tokens", { $0.chunking.overlapTokens = 0 }),
        ("chunking.max_prompt_tokens", { $0.chunking.maxPromptTokens = 2048 }),
        ("long_documents", { $0.longDocuments = .truncate }),
        ("map_reduce.max_levels", { $0.mapReduce.maxLevels = 2 }),
    ]

    @Test func everySettingThatChangesOutputsChangesTheHash() {
        let base = Self.base().configurationFingerprint(modelIdentity: Self.model)
        var seen: Set<String> = [base]
        var tokenBudget = Self.base()
        tokenBudget.kv.budget = .tokens(1)
        seen.insert(tokenBudget.configurationFingerprint(modelIdentity: Self.model))
        for (name, change) in Self.changesOutput {
            var spec = Self.base()
            change(&spec)
            let hash = spec.configurationFingerprint(modelIdentity: Self.model)
            #expect(hash.count == 64 && hash != base, "\(name)")
            #expect(seen.insert(hash).inserted, "\(name) collides with another change")
        }
    }

    @Test func runSettingsLeaveTheHashAlone() {
        let base = Self.base().configurationFingerprint(modelIdentity: Self.model)
        var spec = Self.base()
        spec.input.paths = ["elsewhere"]
        spec.input.include = ["*.txt"]
        spec.input.maxBytes = 1
        spec.output = "other.jsonl"
        spec.batchSize = 16
        spec.concurrency.fetch = 1
        spec.questions = ["Q?"]
        spec.origin = "other.yaml"
        #expect(spec.configurationFingerprint(modelIdentity: Self.model) == base)
    }

    @Test func theModelCountsByNameSizeAndHeader() {
        let base = Self.base()
        let hashes = [
            Self.model, ModelIdentity(name: "n.gguf", size: 1000, headerSHA256: Self.model.headerSHA256),
            ModelIdentity(name: "m.gguf", size: 1001, headerSHA256: Self.model.headerSHA256),
            ModelIdentity(name: "m.gguf", size: 1000, headerSHA256: String(repeating: "b", count: 64)),
        ].map { base.configurationFingerprint(modelIdentity: $0) }
        #expect(Set(hashes).count == 4)
    }

    /// The canonical text is what the hash is of, so its form is part of the record format.
    @Test func canonicalTextIsStable() {
        let text = Self.base().configurationText(modelIdentity: Self.model)
        #expect(text.hasPrefix("easykv_configuration=1\ntask=summarize\nprompt.system=\"You are a careful"))
        #expect(text.contains("\nmodel.name=\"m.gguf\"\nmodel.size=1000\nmodel.header_sha256=aaaa"))
        #expect(
            text.contains(
                #"\#nkv={"budget":{"fraction":0.5},"decodingRecentRatio":0.3,"keepAttention":false,"mode":"encoding","policy":"roco","#
            ))
        #expect(text.contains(#""streamingPositions":false,"stride":512}"#))
        #expect(text.hasSuffix("long_documents=map_reduce\nmap_reduce.max_levels=3\n"))
        #expect(Self.base().configurationFingerprint(modelIdentity: Self.model) == SHA256.hex(text))
    }

    /// The shipped model's identity: the header hash is `sha256sum` of the bytes before the
    /// tensor data, whose offset the GGUF reader found.
    @Test func modelIdentityHashesTheHeader() throws {
        let path = try #require(TestModel.path, Comment(rawValue: TestModel.missing))
        let identity = try ModelIdentity(path: path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(identity.name == TestModel.fileName && identity.size == size)
        let header = try #require(FileHandle(forReadingAtPath: path))
        let dataOffset = try GGUFFile(path: path).dataOffset
        let bytes = try #require(try header.read(upToCount: dataOffset))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(bytes)
        try input.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(identity.headerSHA256 == String(printed.prefix(64)))
        #expect(dataOffset > 1 << 20 && dataOffset < size)  // the vocabulary is in the header
    }
}
