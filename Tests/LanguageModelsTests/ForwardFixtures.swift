import Foundation
import TestSupport
import Testing

/// The committed outputs of `tools/reference/make_forward_fixtures.py` (Hugging Face
/// `transformers`, float32); format in `Fixtures/README.md`.
enum ForwardFixtures {
    static func directory() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("forward")
    }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory().appendingPathComponent(relative))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Little-endian float32 values of a fixture file.
    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: directory().appendingPathComponent(relative))
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }

    /// The SmolLM2 prompts (`smollm2/*.json`), by name.
    static func smolPrompts() throws -> [String] {
        let dir = try directory().appendingPathComponent("smollm2")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".llamacpp.json") }
            .map { String($0.dropLast(5)) }.sorted()
    }

    /// The tiny random models (`tiny/<name>/`) of one GGUF architecture (`gguf_architecture` in
    /// their `config.json`): `llama` (Llama and Mistral), `qwen2`, `phi3`, `gemma`, `gemma2`.
    static func tinyModels(architecture: String = "llama") throws -> [String] {
        let dir = try directory().appendingPathComponent("tiny")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { name in
            let model = dir.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: model.appendingPathComponent("reference.json").path) else {
                return false
            }
            let config = try json("tiny/\(name)/config.json")
            return config["gguf_architecture"] as? String == architecture
        }.sorted()
    }
}

extension TestModel {
    static func require() throws -> String { try #require(path, "\(missing)") }
}

/// The largest absolute difference between two equally long arrays.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Ids of the `k` largest values, highest first (ties to the lower id).
func topIDs(_ logits: ArraySlice<Float>, _ k: Int) -> [Int] {
    let base = logits.startIndex
    return logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }.prefix(k).map {
        $0 - base
    }
}
