import Foundation
import GGUF
import TestSupport
import Testing

@testable import Tokenizers

/// The committed reference fixtures (tools/reference/make_tokenizer_fixtures.py) and the models.
enum TokenizerFixtures {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let text: String
        let ids: [Int]
        let roundTrip: Bool?
        /// Present only when llama.cpp disagreed with the primary reference.
        let llamaCppIds: [Int]?

        var testDescription: String { String(reflecting: text.count > 60 ? String(text.prefix(60)) + "…" : text) }
    }

    struct IDFile: Decodable {
        let cases: [Case]
        let specialCases: [Case]?
    }

    static func url(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(contentsOf: url(name)))
    }

    /// Cases of an id fixture; an unreadable fixture yields no cases and fails `fixtureLoads`.
    static func cases(_ name: String) -> [Case] { (try? decode(IDFile.self, name).cases) ?? [] }
    static func specialCases(_ name: String) -> [Case] { (try? decode(IDFile.self, name).specialCases) ?? [] }

    static let smolCases = cases("smollm2_tokenizer.json")
    static let spmCases = cases("spm_tokenizer.json")
    static let spmSpecialCases = specialCases("spm_tokenizer.json")

    /// The shipped model (`TestModel.path`; a missing file fails the tests that open it).
    static let modelPath: String = TestModel.path ?? TestModel.repositoryRoot + "/models/" + TestModel.fileName

    static let smolFile = Result { try GGUFFile(path: modelPath) }
    static let smol = Result { () throws -> ByteLevelBPETokenizer in try ByteLevelBPETokenizer(file: smolFile.get()) }
    static let spmFile = Result { try GGUFFile(path: url("spm_tiny.gguf").path) }
    static let spm = Result { () throws -> SentencePieceTokenizer in try SentencePieceTokenizer(file: spmFile.get()) }

    /// Writes GGUF bytes to a temporary file and opens it.
    static func gguf(_ writer: GGUFWriter) throws -> GGUFFile {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-\(UUID().uuidString).gguf").path
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try GGUFFile(path: path)
    }
}
