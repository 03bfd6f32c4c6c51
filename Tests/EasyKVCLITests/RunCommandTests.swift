import Foundation
import Testing

/// `easykv run` refusals: each exits with status 2 and one line naming the flag, file or key,
/// before any model is loaded (issue 16 items 21 and 22). No model run here.
@Suite struct RunCommandTests {
    let folder: String
    let pipeline: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("run-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
        try "A short document.".write(toFile: folder + "/in/a.txt", atomically: false, encoding: .utf8)
        pipeline = folder + "/p.yaml"
        try "generation: {max_tokens: 4}\n".write(toFile: pipeline, atomically: false, encoding: .utf8)
    }

    func run(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["run", pipeline, "--input", folder + "/in", "--output", folder + "/o.jsonl"] + arguments)
    }

    @Test(arguments: [
        (["--batch-size", "-3"], "--batch-size -3: batch_size: -3 is out of range (1…256)"),
        (["--max-tokens", "-1"], "--max-tokens -1: generation.max_tokens:"),
        (["--threads", "0"], "--threads 0: must be at least 1"),
        (["--threads", "-2"], "--threads -2: must be at least 1"),
        (["--resume=chnged"], "--resume=chnged: expected --resume or --resume=changed"),
        (["--bogus"], "Unknown option '--bogus'"),
        (["--batch-size"], "Missing value for '--batch-size <batch-size>'"),
    ])
    func invalidFlagsExitTwo(_ flags: [String], _ message: String) throws {
        let result = try run(flags)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/o.jsonl"))
    }

    @Test func existingOutputWithoutOverwriteExitsTwo() throws {
        let output = folder + "/o.jsonl"
        try #"{"id":"a.txt","index":0,"status":"ok"}"#.appending("\n").write(
            toFile: output, atomically: false, encoding: .utf8)
        let result = try run([])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(
            result.stderr
                == "easykv run: \(output): already holds results: pass --resume to continue it or --overwrite to start over\n"
        )
    }

    /// Refused before the model loads: no report, no throughput, the path named once.
    @Test func missingInputExitsTwoNamingItOnce() throws {
        let missing = folder + "/typo"
        let result = try CLIRunner.run(["run", pipeline, "--input", missing, "--output", folder + "/o.jsonl"])
        #expect(result.status == 2)
        #expect(result.stderr == "easykv run: \(missing): input.paths: no such file or folder\n")
        #expect(!FileManager.default.fileExists(atPath: folder + "/o.jsonl"))
    }

    @Test func resumeTakesAnOptionalValue() throws {
        // `--resume` before the pipeline is a flag, not the pipeline's value.
        let result = try CLIRunner.run([
            "run", "--resume", pipeline, "--input", folder + "/missing", "--output", folder + "/o.jsonl",
        ])
        #expect(result.status == 2 && result.stderr.contains("missing: input.paths"), "\(result.stderr)")
        let help = try CLIRunner.run(["run", "--help"])
        #expect(help.stdout.contains("--resume [<changed>]"), "\(help.stdout)")
        #expect(help.stdout.contains("--threads <threads>"))
    }
}
