import Foundation
import TestSupport
import Testing

@testable import BatchPipeline

/// Model-backed tests share one serialized parent suite, so only one of them loads the model and
/// runs it at a time (2 cores; each test would otherwise slow the others).
@Suite(.serialized) struct ModelBackedTests {}

/// Paths, documents and pipelines for the tests.
enum PipelineFixtures {
    static let repository = TestModel.repositoryRoot
    /// The shipped SmolLM2 (for the few tests that need real weights).
    static let modelPath = TestModel.path ?? repository + "/models/" + TestModel.fileName

    /// The model lines of a pipeline file: the tiny model (milliseconds; outputs are noise) with
    /// a chat template of its own, or the shipped SmolLM2.
    static func modelYAML(real: Bool) -> String {
        real
            ? "model: \(modelPath)"
            : "model: \(TinyModel.path)\nprompt: {chat_template: \"\(TinyModel.chatTemplate.replacing("\n", with: "\\n"))\"}"
    }

    /// Paragraphs of real prose (the GPL text shipped in input/), for documents of chosen sizes.
    static let paragraphs: [String] = {
        let text = (try? String(contentsOfFile: repository + "/input/gpl-3.0.txt", encoding: .utf8)) ?? ""
        return text.components(separatedBy: "\n\n").map {
            $0.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }.filter { $0.count > 400 }
    }()

    /// A fresh temporary folder.
    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "easykv-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Text of about `paragraphs` GPL paragraphs starting at `from`.
    static func prose(_ count: Int, from start: Int = 0) -> String {
        (0..<count).map { paragraphs[(start + $0) % paragraphs.count] }.joined(separator: "\n\n")
    }

    /// `prose` escaped for HTML or XML element content.
    static func markupProse(_ count: Int, from start: Int = 0) -> String {
        prose(count, from: start).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;")
    }

    /// Writes good documents of every kind: `k` plain-text, HTML and XML files each.
    static func writeGoodDocuments(in folder: String, count: Int = 3) throws -> [String] {
        var names: [String] = []
        for k in 0..<count {
            let name: String
            switch k % 3 {
            case 0:
                name = "doc\(k)-notes.txt"
                try write(prose(2 + k % 2, from: k), to: folder + "/" + name)
            case 1:
                name = "doc\(k)-page.html"
                try write(
                    "<!DOCTYPE html><html><head><title>Page \(k)</title></head><body><nav>Home | About</nav><main><h1>Chapter \(k)</h1><p>"
                        + markupProse(2, from: k)
                        + "</p></main></body></html>", to: folder + "/" + name)
            default:
                name = "doc\(k)-book.xml"
                try write(
                    "<?xml version=\"1.0\"?><article><title>Article \(k)</title><section><para>"
                        + markupProse(2, from: k)
                        + "</para></section></article>", to: folder + "/" + name)
            }
            names.append(name)
        }
        return names
    }

    /// Inputs that must become error records, never crash the run.
    static func writeHostileDocuments(in folder: String) throws -> [String] {
        try write("", to: folder + "/empty.txt")
        try Data([0x00, 0xFF, 0x13, 0x00, 0x89, 0x50, 0x4E, 0x47] + Array(repeating: 0, count: 300)).write(
            to: URL(fileURLWithPath: folder + "/garbage.bin"))
        var bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        for i in 1...9 {
            bomb +=
                "<!ENTITY lol\(i) \"" + String(repeating: "&\(i == 1 ? "lol" : "lol\(i - 1)");", count: 10) + "\">\n"
        }
        bomb += "]>\n<lolz>&lol9;</lolz>\n"
        try write(bomb, to: folder + "/lolz.xml")
        try write("%PDF-1.4\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\n", to: folder + "/paper.pdf")
        return ["empty.txt", "garbage.bin", "lolz.xml", "paper.pdf"]
    }

    /// A small, fast pipeline: short generations, eviction on (stride 64, budget 0.5); the tiny
    /// model unless `real`.
    static func spec(input: [String], output: String, batchSize: Int = 4, maxTokens: Int = 6, real: Bool = false)
        throws -> PipelineSpec
    {
        try PipelineSpec.parse(
            yaml: """
                task: summarize
                \(modelYAML(real: real))
                generation: {max_tokens: \(maxTokens)}
                kv: {mode: encoding, budget: 0.5, stride: 64, policy: roco}
                chunking: {chunk_tokens: 256, overlap_tokens: 16, max_prompt_tokens: 1024}
                batch_size: \(batchSize)
                """, origin: "test.yaml",
            overrides: [
                .list("--input", key: "input.paths", values: input), .flag("--output", key: "output", value: output),
            ])
    }

    /// Every line of a JSON Lines file, decoded (fails the test on a line that does not parse).
    static func records(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [OutputRecord] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"), "torn last line in \(path)", sourceLocation: sourceLocation)
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
            try JSONDecoder().decode(OutputRecord.self, from: Data($0.utf8))
        }
    }
}
