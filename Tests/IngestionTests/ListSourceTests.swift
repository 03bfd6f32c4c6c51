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
        let references = try URLListSource(path: path, policy: .trusting).references()
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

    /// Issue 16 item 18: credentials never reach ids, sources or errors; a refused line keeps its
    /// own id. Item 19: `file://` entries and paths outside the list's folder are refused unless
    /// `allowLocalPaths`.
    @Test func urlListRedactsCredentialsAndRefusesFileURLs() throws {
        let folder = try Fixtures.temporaryFolder()
        let path = try Fixtures.write(
            "https://alice:s3cret@example.org/a?x=1\nfile:///etc/passwd\nftp://bob:pw@example.org/c\n", to: folder,
            "urls.txt")
        let references = try URLListSource(path: path).references()
        #expect(
            references.map(\.id) == ["https://***@example.org/a?x=1", "file:///etc/passwd", "ftp://***@example.org/c"])
        #expect(references[0].source == "https://***@example.org/a?x=1")
        #expect(references[0].location == .url("https://alice:s3cret@example.org/a?x=1"))
        guard case .failed(let file) = references[1].location, case .failed(let ftp) = references[2].location else {
            Issue.record("file:// and ftp:// lines were not refused")
            return
        }
        #expect(file.kind == "local_path_refused" && file.detail.contains("input.allow_local_paths"))
        for reference in references {
            #expect(!reference.id.contains("s3cret") && !reference.source.contains("s3cret"))
        }
        #expect(ftp.description == path + ":3: unsupported URL scheme 'ftp' (allowed: http, https, file)")
    }

    @Test func jsonLinesKeepIDsRedactAndConfinePaths() throws {
        let folder = try Fixtures.temporaryFolder()
        let outside = try Fixtures.temporaryFolder()
        _ = try Fixtures.write("inside", to: folder, "docs/a.txt")
        _ = try Fixtures.write("outside", to: outside, "b.txt")
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/docs/link.txt", withDestinationPath: outside.path + "/b.txt")
        let path = try Fixtures.write(
            """
            {"id": "mine", "url": "gopher://x"}
            {"id": "page", "url": "https://u:pw@example.org/p"}
            {"url": "https://u:pw@example.org/q"}
            {"id": "abs", "path": "\(outside.path)/b.txt"}
            {"id": "up", "path": "../\(outside.lastPathComponent)/b.txt"}
            {"id": "link", "path": "docs/link.txt"}
            {"id": "ok", "path": "./docs/../docs/a.txt"}
            {"id": "local-url", "url": "file:///etc/hostname"}
            """, to: folder, "in.jsonl")
        let refs = try JSONLinesSource(path: path).references()
        #expect(
            refs.map(\.id) == ["mine", "page", "https://***@example.org/q", "abs", "up", "link", "ok", "local-url"])
        #expect(refs[1].source == "https://***@example.org/p" && refs[1].location == .url("https://u:pw@example.org/p"))
        #expect(refs[6].location == .file(path: folder.path + "/./docs/../docs/a.txt"))
        let kinds = refs.map { ref -> String in
            guard case .failed(let e) = ref.location else { return "ok" }
            return e.kind
        }
        #expect(
            kinds == [
                "unsupported_scheme", "ok", "ok", "local_path_refused", "local_path_refused", "outside_input", "ok",
                "local_path_refused",
            ])
        let trusting = try JSONLinesSource(path: path, policy: .trusting).references()
        #expect(trusting[3].location == .file(path: outside.path + "/b.txt"))
        #expect(trusting[5].location == .file(path: folder.path + "/docs/link.txt"))
        #expect(trusting[7].location == .url("file:///etc/hostname"))
    }

    @Test func errorsNeverShowCredentials() {
        let error = IngestionError(source: "https://user:pass@example.org/x", .httpStatus(404))
        #expect(error.description == "https://***@example.org/x: HTTP status 404")
        let loop = IngestionError(source: "https://example.org/", .redirectLoop("http://a:b@example.org/y"))
        #expect(loop.detail == "redirect loop (back to http://***@example.org/y)")
        #expect(URLValidator.redacted("/tmp/a@b") == "/tmp/a@b")
        #expect(URLValidator.redacted("https://example.org/a@b") == "https://example.org/a@b")
    }

    /// Issue 16 item 13: one line over the limit used to turn the whole file into one
    /// `too_large` reference; the limit is per line, and every other line keeps its own.
    @Test func jsonLinesLimitApplyToEachLine() throws {
        let folder = try Fixtures.temporaryFolder()
        let big = String(repeating: "x", count: 200)
        let lines = [
            #"{"id": "first", "text": "short"}"#,
            #"{"id": "huge", "text": "\#(big)"}"#,
            #"{"id": "third", "text": "also short \#u{2028} still one line"}"# + "\r",
            #"{"id": "last", "text": "no newline at the end"}"#,
        ]
        let bytes = [0xEF, 0xBB, 0xBF] + Array(lines.joined(separator: "\n").utf8)
        let path = try Fixtures.write(bytes, to: folder, "mixed.jsonl")
        let refs = try JSONLinesSource(path: path, maxBytes: 100).references()
        #expect(refs.map(\.id) == ["first", path + ":2", "third", "last"])
        #expect(refs[0].location == .inline(bytes: Array("short".utf8)))
        guard case .failed(let error) = refs[1].location else {
            Issue.record("the long line was not refused")
            return
        }
        #expect(error == IngestionError(source: path + ":2", .tooLarge(limit: 100)))
        #expect(error.description == "\(path):2: larger than the limit of 100 bytes")
        #expect(refs[2].location == .inline(bytes: Array("also short \u{2028} still one line".utf8)))
        #expect(refs[3].location == .inline(bytes: Array("no newline at the end".utf8)))

        // The whole file is far over the limit; only the line is not.
        let many = (0..<50).map { #"{"id": "d\#($0)", "text": "document \#($0)"}"# }.joined(separator: "\n")
        let manyPath = try Fixtures.write(many, to: folder, "many.jsonl")
        #expect(try JSONLinesSource(path: manyPath, maxBytes: 100).references().count == 50)
    }
}
