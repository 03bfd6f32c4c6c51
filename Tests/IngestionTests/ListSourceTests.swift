import Foundation
import Testing

@testable import Ingestion

/// `URLListSource` and `JSONLinesSource`.
@Suite struct ListSourceTests {
    @Test func urlListSkipsCommentsAndReportsBadLines() throws {
        let folder = try Fixtures.temporaryFolder()
        let path = try Fixtures.write(
            "# pages\n\nhttps://example.org/a\r\n  http://127.0.0.1:8080/b?x=1  \nftp://example.org/c\nnot a url\nfile:///tmp/x.html\nhttp:///nohost\n",
            to: folder, "urls.txt")
        let references = try URLListSource(path: path).references()
        #expect(
            references.map(\.id) == [
                "https://example.org/a", "http://127.0.0.1:8080/b?x=1", "ftp://example.org/c", "not a url",
                "file:///tmp/x.html", "http:///nohost",
            ])
        #expect(references[0].location == .url("https://example.org/a"))
        #expect(references[4].location == .url("file:///tmp/x.html"))
        guard case .failed(let ftp) = references[2].location, case .failed(let bad) = references[3].location,
            case .failed(let noHost) = references[5].location
        else {
            Issue.record("bad lines not reported")
            return
        }
        #expect(ftp == IngestionError(source: path + ":5", .unsupportedScheme("ftp")))
        #expect(bad.source == path + ":6")
        #expect(noHost.detail == "invalid URL: no host")
    }

    @Test func jsonLinesOfTextPathsAndURLs() throws {
        let folder = try Fixtures.temporaryFolder()
        _ = try Fixtures.write("file body", to: folder, "docs/a.txt")
        let path = try Fixtures.write(
            """
            {"id": "q1", "text": "Inline text.", "question": "What is it?"}
            {"path": "docs/a.txt"}
            {"url": "https://example.org/page", "question": "Who?", "media_type": "text/html"}
            {"id": 7, "text": "numeric id"}

            {"text": "a", "url": "https://example.org"}
            {"question": "no document"}
            not json
            ["array"]
            {"text": 5}
            {"url": "gopher://x"}
            """, to: folder, "in.jsonl")
        let refs = try JSONLinesSource(path: path).references()
        #expect(refs.count == 10)
        #expect(
            refs[0]
                == DocumentReference(
                    id: "q1", source: path + ":1", location: .inline(bytes: Array("Inline text.".utf8)),
                    question: "What is it?", declaredMediaType: "text/plain"))
        #expect(refs[1].id == "docs/a.txt")
        #expect(refs[1].location == .file(path: folder.path + "/docs/a.txt"))
        #expect(
            refs[2]
                == DocumentReference(
                    id: "https://example.org/page", source: "https://example.org/page",
                    location: .url("https://example.org/page"), question: "Who?", declaredMediaType: "text/html"))
        #expect(refs[3].id == "7")
        let errors = refs[4...].map { ref -> String in
            guard case .failed(let e) = ref.location else { return "ok" }
            return e.detail
        }
        #expect(
            errors == [
                "line 6: has more than one of \"text\", \"path\", \"url\"",
                "line 7: needs one of \"text\", \"path\", \"url\"",
                "line 8: not valid JSON", "line 9: not a JSON object", "line 10: \"text\" is not a string",
                "unsupported URL scheme 'gopher' (allowed: http, https, file)",
            ])
        #expect(refs[4].id == path + ":6")
    }
}
