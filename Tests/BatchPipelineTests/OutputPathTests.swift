import Foundation
import Testing

@testable import BatchPipeline

@Suite struct OutputPathTests {
    @Test(arguments: [("-", ""), ("o", ""), ("/o", "/"), ("a/b.jsonl", "a"), ("/x/y/z", "/x/y"), ("a/", "a")])
    func folderOfOneCharacterAndOtherNames(_ path: String, _ folder: String) {
        #expect(OutputPath.folder(of: path) == folder)
    }

    @Test func linksAreFollowedToTheirTargetEvenAMissingOne() throws {
        let folder = try PipelineFixtures.folder("links")
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        // out.jsonl -> real/hop.jsonl -> results.jsonl (relative to real/), which does not exist yet.
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/real/hop.jsonl", withDestinationPath: "results.jsonl")
        try FileManager.default.createSymbolicLink(atPath: folder + "/out.jsonl", withDestinationPath: "real/hop.jsonl")
        #expect(OutputPath.resolvingLinks(folder + "/out.jsonl") == folder + "/real/results.jsonl")
        #expect(OutputPath.resolvingLinks(folder + "/plain.jsonl") == folder + "/plain.jsonl")
        // A loop ends instead of spinning.
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop", withDestinationPath: "loop")
        #expect(OutputPath.resolvingLinks(folder + "/loop") == folder + "/loop")
    }

    @Test func ownFilesAreTheOutputItsLockAndItsTemporaryFiles() {
        for name in ["r.jsonl", "r.jsonl.lock", "r.jsonl.tmp-123"] {
            #expect(OutputPath.isOwnFile(name, ofOutputNamed: "r.jsonl"), "\(name)")
        }
        for name in ["r.jsonl.tmp-", "r.jsonl.tmp-12a", "other.jsonl", "r.jsonl.bak", "xr.jsonl"] {
            #expect(!OutputPath.isOwnFile(name, ofOutputNamed: "r.jsonl"), "\(name)")
        }
    }
}
