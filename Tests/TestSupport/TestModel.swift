import Foundation

/// Where the tests find the shipped model: `$EASYKV_MODEL`, else `models/` at the repository
/// root (the Makefile downloads it there). Shared by every test target.
public enum TestModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// The model's path, or nil when it is missing (tests then record a failure naming `make model`).
    public static var path: String? {
        if let env = ProcessInfo.processInfo.environment["EASYKV_MODEL"], FileManager.default.fileExists(atPath: env) {
            return env
        }
        let candidate = repositoryRoot + "/models/" + fileName
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    /// The checkout this file is in (`Tests/TestSupport/` is two levels below it).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The message tests record when the model is missing.
    public static let missing = "default model not found; run `make model`"

    /// The model's path, or an error naming `make model`.
    public static func require() throws -> String {
        guard let path else { throw MissingModel() }
        return path
    }

    struct MissingModel: Error, CustomStringConvertible {
        var description: String { TestModel.missing }
    }
}
