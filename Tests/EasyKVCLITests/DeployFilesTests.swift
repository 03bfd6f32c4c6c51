import Foundation
import TestSupport
import Testing

/// The deployment files (issue 16 item 23): the Kubernetes Jobs named an image no file built,
/// and the Slurm array's `--signal` (without `B:`) reached no process, since easykv was not a
/// job step. `pipelines/deploy/docker-smoke.sh --static` checks the Dockerfile against the
/// repository and the Jobs, and the Slurm scripts' signal set-up; building and running the image
/// needs a Docker daemon, which the script uses when there is one.
@Suite struct DeployFilesTests {
    @Test func dockerfileJobsAndSlurmScriptsAgree() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestModel.repositoryRoot + "/pipelines/deploy/docker-smoke.sh", "--static"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("static checks passed (Dockerfile, Kubernetes Jobs, Slurm scripts)"), "\(text)")
    }
}
