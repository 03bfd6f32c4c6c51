import Foundation

/// Committed fixtures and the shipped model, for the Evaluation tests.
enum EvaluationFixtures {
    /// The decoded JSON fixture `name` (in `Fixtures/`).
    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name)"])
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// The shipped model: `$EASYKV_MODEL`, else `models/SmolLM2-135M-Instruct.Q4_1.gguf` in the checkout.
    static var modelPath: String? {
        if let env = ProcessInfo.processInfo.environment["EASYKV_MODEL"], FileManager.default.fileExists(atPath: env) {
            return env
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            let candidate = dir.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
