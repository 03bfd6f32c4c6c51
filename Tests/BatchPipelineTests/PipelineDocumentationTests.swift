import Foundation
import Testing

@testable import BatchPipeline

/// Every key a pipeline file accepts is documented in pipelines/README.md (issue 16 item 23: the
/// retry settings were neither documented nor settable). The keys come from the parser itself:
/// the message for an unknown key lists the valid ones of its section.
@Suite struct PipelineDocumentationTests {
    static let readme = PipelineSpecTests.repository.appendingPathComponent("pipelines/README.md").path

    /// The keys the parser accepts in `section` (empty: the top level).
    static func validKeys(_ section: String) throws -> [String] {
        let yaml = section.isEmpty ? "no_such_key: 1\n" : "\(section): {no_such_key: 1}\n"
        do {
            _ = try PipelineSpec.parse(yaml: yaml, origin: "p.yaml")
        } catch {
            let message = "\(error)"
            let list = try #require(message.range(of: "valid keys here: "), "\(message)")
            return message[list.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        Issue.record("\(section).no_such_key was accepted")
        return []
    }

    @Test(arguments: ["", "input", "prompt", "generation", "kv", "chunking", "map_reduce", "concurrency"])
    func everyKeyIsDocumented(_ section: String) throws {
        let text = try String(contentsOfFile: Self.readme, encoding: .utf8)
        let keys = try Self.validKeys(section)
        #expect(keys.count >= 1)
        let missing = keys.filter { !text.contains("`\($0)`") && !text.contains("`\(section).\($0)`") }
        #expect(
            missing.isEmpty,
            "pipelines/README.md does not document \(section.isEmpty ? "top-level" : section) keys \(missing)")
    }
}
