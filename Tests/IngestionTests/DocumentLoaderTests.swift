import Foundation
import Testing

@testable import Ingestion

/// The hostile-input set: each file has one expected outcome, a text or a named error. Large
/// inputs are made at test time in a temporary folder.
@Suite struct DocumentLoaderTests {
    enum Outcome: Sendable {
        /// Extraction succeeds; the text equals this.
        case text(String)
        /// Extraction succeeds; the text contains all of the first and none of the second.
        case contains([String], excluding: [String])
        /// Extraction fails with this `IngestionError.kind`.
        case error(String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var outcome: Outcome
        var testDescription: String { name }
    }

    static let latin1Cafe: [UInt8] = [0x63, 0x61, 0x66, 0xE9]

    static let cases: [Case] = [
        Case(name: "empty.txt", bytes: [], outcome: .error("empty_document")),
        Case(name: "whitespace.txt", bytes: Array(" \n\t\r\n   \n".utf8), outcome: .error("empty_document")),
        Case(
            name: "empty.html", bytes: Array("<html><head><title>t</title></head><body> </body></html>".utf8),
            outcome: .error("empty_document")),
        Case(
            name: "only-script.html", bytes: Array("<html><body><script>var a = 1;</script></body></html>".utf8),
            outcome: .error("empty_document")),
        Case(
            name: "nul-bytes.txt", bytes: Array("Hello".utf8) + [0, 0] + Array(" world".utf8) + [0],
            outcome: .text("Hello world")),
        Case(
            name: "nul-bytes.html", bytes: Array("<p>Hel".utf8) + [0] + Array("lo</p><p>after</p>".utf8),
            outcome: .text("Hello\n\nafter")),
        Case(
            name: "utf16le-bom.txt",
            bytes: [0xFF, 0xFE] + Array("Grüße\r\nzweite Zeile".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
            outcome: .text("Grüße zweite Zeile")),
        Case(
            name: "utf16be-bom.html",
            bytes: [0xFE, 0xFF]
                + Array("<html><body><p>Grüße</p></body></html>".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] },
            outcome: .text("Grüße")),
        Case(
            name: "undeclared-latin1.txt", bytes: Array("Un ".utf8) + latin1Cafe + Array(" noir".utf8),
            outcome: .text("Un café noir")),
        Case(
            name: "latin1-under-utf8-label.html",
            bytes: Array("<html><head><meta charset=\"utf-8\"></head><body><p>".utf8) + latin1Cafe
                + Array("</p></body></html>".utf8),
            outcome: .text("café")),
        Case(
            name: "utf8-under-latin1-label.html",
            bytes: Array("<html><head><meta charset=\"iso-8859-1\"></head><body><p>café crème</p></body></html>".utf8),
            outcome: .text("café crème")),
        Case(
            name: "utf8-under-latin1-declaration.xml",
            bytes: Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><doc><para>café</para></doc>".utf8),
            outcome: .text("café")),
        Case(
            name: "latin1-under-utf8-declaration.xml",
            bytes: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><doc><para>".utf8) + latin1Cafe
                + Array("</para></doc>".utf8),
            outcome: .text("café")),
        Case(
            name: "truncated-mid-tag.html", bytes: Array("<html><body><p>First paragraph.</p><p>Second one<di".utf8),
            outcome: .contains(["First paragraph.", "Second one"], excluding: ["<di"])),
        Case(
            name: "truncated-mid-utf8.html", bytes: Array("<html><body><p>Crème brûlée ".utf8) + [0xC3],
            outcome: .text("Crème brûlée")),
        Case(
            name: "truncated-in-script.html",
            bytes: Array("<html><body><p>Visible text.</p><script>var secret = 'do not show".utf8),
            outcome: .text("Visible text.")),
        Case(
            name: "truncated.xml",
            bytes: Array("<?xml version=\"1.0\"?><article><title>T</title><para>Complete para.</para><para>Cut o".utf8),
            outcome: .contains(["Complete para."], excluding: [])),
        Case(
            name: "deep-nesting.html", bytes: Array((String(repeating: "<div>", count: 10_000) + "deep text").utf8),
            outcome: .error("nesting_too_deep")),
        Case(
            name: "deep-nesting.xml",
            bytes: Array(
                (String(repeating: "<a>", count: 10_000) + "x" + String(repeating: "</a>", count: 10_000)).utf8),
            outcome: .error("nesting_too_deep")),
        Case(
            name: "image.html", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
            outcome: .error("unsupported_media_type")),
        Case(name: "document.pdf", bytes: Array("%PDF-1.4\n%âãÏÓ\n".utf8), outcome: .error("unsupported_media_type")),
        Case(
            name: "corrupt.html.gz", bytes: [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF],
            outcome: .error("compressed_content")),
    ]

    @Test(arguments: cases)
    func hostileInput(_ c: Case) throws {
        let folder = try Fixtures.temporaryFolder()
        let path = try Fixtures.write(c.bytes, to: folder, c.name)
        let start = Date()
        let result = try load(path)
        #expect(Date().timeIntervalSince(start) < 2, "slow on \(c.name)")
        switch (c.outcome, result) {
        case (.text(let expected), .success(let document)):
            #expect(document.text == expected)
        case (.contains(let wanted, let unwanted), .success(let document)):
            for w in wanted { #expect(document.text.contains(w)) }
            for u in unwanted { #expect(!document.text.contains(u)) }
        case (.error(let kind), .failure(let error)):
            #expect(error.kind == kind, "\(error)")
            #expect(error.source == path)
        default:
            Issue.record("\(c.name): expected \(c.outcome), got \(result)")
        }
    }

    @Test func gzipBytesNamedHTMLAreDecompressed() throws {
        let document = try load(Fixtures.path("hostile/gzipped.html")).get()
        #expect(document.mediaType == .html)
        #expect(document.text == "This page was stored with gzip compression but named .html.")
        #expect(document.title == "Compressed page")
    }

    @Test func fiftyMegabyteFileIsRefusedBeforeReading() throws {
        let folder = try Fixtures.temporaryFolder()
        let path = folder.appendingPathComponent("huge.txt").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 50_000_000)
        try handle.close()
        let start = Date()
        let result = try load(path)
        #expect(Date().timeIntervalSince(start) < 1)
        guard case .failure(let error) = result else {
            Issue.record("50 MB file accepted")
            return
        }
        #expect(error == IngestionError(source: path, .tooLarge(limit: DocumentLoader.Options.defaultMaxBytes)))
    }

    @Test func gzipBombStopsAtTheLimit() throws {
        // 64 MiB of zeros compress to about 64 KiB; the limit stops decompression early.
        let folder = try Fixtures.temporaryFolder()
        let raw = folder.appendingPathComponent("zeros.txt")
        try Data(count: 64 << 20).write(to: raw)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-n", raw.path]
        try gzip.run()
        gzip.waitUntilExit()
        let result = try load(raw.path + ".gz")
        guard case .failure(let error) = result else {
            Issue.record("gzip bomb accepted")
            return
        }
        #expect(error.kind == "too_large")
    }

    @Test func fifoIsNotReadAndDoesNotHang() throws {
        let folder = try Fixtures.temporaryFolder()
        let path = folder.appendingPathComponent("pipe").path
        #expect(mkfifo(path, 0o600) == 0)
        guard case .failure(let error) = try load(path) else {
            Issue.record("FIFO read")
            return
        }
        #expect(error.kind == "not_a_regular_file")
    }

    @Test func missingFileNamesThePath() throws {
        guard case .failure(let error) = try load("/nonexistent/easykv/file.txt") else {
            Issue.record("missing file loaded")
            return
        }
        #expect(error.description == "/nonexistent/easykv/file.txt: cannot read: No such file or directory")
    }

    @Test func documentCarriesMetadata() async throws {
        let folder = try Fixtures.temporaryFolder()
        let path = try Fixtures.write("# Notes\n\nSome  text.", to: folder, "notes.md")
        let reference = DocumentReference(id: "notes.md", source: path, location: .file(path: path), question: "What?")
        let document = try await DocumentLoader().load(reference)
        #expect(document.id == "notes.md")
        #expect(document.mediaType == .markdown)
        #expect(document.title == "Notes")
        #expect(document.byteSize == 20)
        #expect(document.text == "# Notes\n\nSome text.")
        #expect(document.question == "What?")
        #expect(document.encoding == "UTF-8")
        #expect(document.fetch == nil)
    }

    @Test func inlineJSONTextThatIsHTMLIsSniffed() async throws {
        let reference = DocumentReference(
            id: "x", source: "in.jsonl:1", location: .inline(bytes: Array("<p>Hi <b>there</b></p>".utf8)),
            declaredMediaType: "text/plain")
        let document = try await DocumentLoader().load(reference)
        #expect(document.mediaType == .html)
        #expect(document.text == "Hi there")
    }

    private func load(_ path: String) throws -> Result<Document, IngestionError> {
        let loader = DocumentLoader()
        let bytes: [UInt8]
        do throws(IngestionError) {
            bytes = try FileSystem.readFile(path, limit: loader.options.maxBytes, source: path)
        } catch {
            return .failure(error)
        }
        do throws(IngestionError) {
            let e = try loader.extract(bytes: bytes, name: path, contentType: nil, source: path)
            return .success(
                Document(
                    id: path, source: path, mediaType: e.mediaType, title: e.title, byteSize: bytes.count,
                    encoding: e.encoding, text: e.text))
        } catch {
            return .failure(error)
        }
    }
}
