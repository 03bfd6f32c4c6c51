import Foundation
import Testing

@testable import Ingestion

@Suite struct IngestorTests {
    @Test func resultsComeInInputOrderWithErrorsInPlace() async throws {
        let folder = try Fixtures.temporaryFolder()
        for i in 0..<12 {
            _ = try Fixtures.write("Document number \(i).", to: folder, String(format: "doc%02d.txt", i))
        }
        _ = try Fixtures.write("", to: folder, "doc05b.txt")
        let sources: [any DocumentSource] = [
            FolderSource(root: folder.path), FileSource(path: "/nonexistent/x.txt"),
            FolderSource(root: "/nonexistent/dir"),
        ]
        let references = Ingestor.references(from: sources)
        #expect(references.count == 15)
        var seen: [String] = []
        var failures: [String] = []
        await Ingestor(parallelism: 3, maxAhead: 4).forEach(references) { result in
            seen.append(result.reference.id)
            if case .failure(let e) = result.result { failures.append(e.kind) }
        }
        #expect(seen == references.map(\.id))
        #expect(failures == ["empty_document", "cannot_read", "cannot_read"])
    }

    @Test func streamDeliversEveryDocument() async throws {
        let refs = (0..<20).map {
            DocumentReference(id: "i\($0)", source: "inline", location: .inline(bytes: Array("text \($0)".utf8)))
        }
        var texts: [String] = []
        for await result in Ingestor(parallelism: 4).documents(refs) {
            texts.append((try? result.result.get().text) ?? "error")
        }
        #expect(texts == (0..<20).map { "text \($0)" })
    }

    @Test func recordsAreOneJSONObjectPerLine() throws {
        let document = Document(
            id: "a\"b", source: "s", mediaType: .html, title: nil, byteSize: 3, encoding: "UTF-8",
            text: "line1\nline2\t\u{1}\u{2028}")
        let ok = ExtractionRecord.jsonLine(
            for: IngestionResult(
                reference: DocumentReference(id: "a\"b", source: "s", location: .file(path: "s")),
                result: .success(document)))
        #expect(
            ok
                == #"{"id":"a\"b","source":"s","media_type":"text/html","title":null,"chars":14,"bytes":3,"encoding":"UTF-8","text":"line1\nline2\t\u0001\u2028"}"#
        )
        let object = try JSONSerialization.jsonObject(with: Data(ok.utf8)) as? [String: Any]
        #expect(object?["text"] as? String == document.text)
        let error = IngestionError(source: "http://x/", .httpStatus(503))
        let failed = ExtractionRecord.jsonLine(
            for: IngestionResult(
                reference: DocumentReference(id: "http://x/", source: "http://x/", location: .url("http://x/")),
                result: .failure(error)))
        #expect(
            failed
                == #"{"id":"http://x/","source":"http://x/","error":"http://x/: HTTP status 503","error_kind":"http_status"}"#
        )
    }
}
