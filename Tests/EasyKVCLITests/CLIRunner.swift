import Foundation
import TestSupport
import Testing

/// Runs the built `easykv` binary (next to the test bundle in the build folder).
enum CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `$EASYKV_BINARY` (to run the tests against another build), else the one beside the bundle.
    static var binary: URL? {
        if let path = ProcessInfo.processInfo.environment["EASYKV_BINARY"] { return URL(fileURLWithPath: path) }
        let here = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
        var dir = here.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("easykv")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static var modelPath: String? { TestModel.path }

    /// Runs `easykv args…` with `input` on stdin and returns its exit status and output.
    static func run(_ args: [String], input: String? = nil) throws -> Result {
        guard let executable = binary else {
            Issue.record("easykv binary not found next to the test bundle")
            throw CLIRunnerError.binaryNotFound
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        if let modelPath { environment["EASYKV_MODEL"] = modelPath }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes before waiting so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryFile(_ bytes: [UInt8], name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}

enum CLIRunnerError: Error {
    case binaryNotFound
}
