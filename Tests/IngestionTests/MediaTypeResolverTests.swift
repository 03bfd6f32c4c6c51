import Testing

@testable import Ingestion

@Suite struct MediaTypeResolverTests {
    func type(_ contentType: String?, _ name: String?, _ text: String) throws -> MediaType {
        try MediaTypeResolver.resolve(contentType: contentType, name: name, bytes: Array(text.utf8), source: "s")
            .mediaType
    }

    @Test func contentTypeThenExtensionThenSniffing() throws {
        #expect(try type("text/html; charset=utf-8", "a.txt", "hello") == .html)
        #expect(try type(nil, "a.html", "hello") == .html)
        #expect(try type(nil, "a.md", "# x") == .markdown)
        #expect(try type(nil, "README", "<!DOCTYPE html><p>x") == .html)
        #expect(try type(nil, nil, "plain words") == .plainText)
        #expect(try type("application/octet-stream", "x.xml", "<a/>") == .xml)
        #expect(try type(nil, "http://h/page.HTML?x=1.txt#f", "x") == .html)
    }

    @Test func bytesRefineLabels() throws {
        // Raw-file hosts send text/plain for everything.
        #expect(try type("text/plain", "http://h/raw/page.html", "<p>x") == .html)
        #expect(
            try type("text/plain", nil, "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"/>") == .atom
        )
        #expect(try type("text/plain", "notes.txt", "just text <b>") == .plainText)
        // HTML under an XML label; a feed under a generic XML label.
        #expect(try type("application/xml", nil, "<!DOCTYPE html><html>") == .html)
        #expect(try type("text/xml", nil, "<?xml version=\"1.0\"?>\n<!-- c -->\n<rss version=\"2.0\">") == .rss)
        #expect(try type(nil, "x.xml", "<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>") == .xhtml)
    }

    @Test func magicNumbersBeatEveryLabel() throws {
        let gzip: [UInt8] = [0x1F, 0x8B, 0x08, 0x00]
        #expect(
            try MediaTypeResolver.resolve(contentType: "text/html", name: "a.html", bytes: gzip, source: "s").mediaType
                == .gzip)
        #expect(try type("text/html", "a.html", "%PDF-1.7\n") == .pdf)
        #expect(throws: IngestionError.self) {
            try MediaTypeResolver.resolve(
                contentType: nil, name: "a.html", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A], source: "s")
        }
        #expect(throws: IngestionError(source: "s", .unsupportedMediaType("image/png"))) {
            try type("image/png", "x", "not really")
        }
    }

    @Test func binaryIsRefusedButAFewNULsAreText() throws {
        #expect(throws: IngestionError(source: "s", .unsupportedMediaType("unlabelled (bytes are binary data)"))) {
            try MediaTypeResolver.resolve(
                contentType: nil, name: "data.bin", bytes: [UInt8](repeating: 1, count: 100), source: "s")
        }
        #expect(try type(nil, nil, "text with \u{0} one NUL and lots of ordinary characters around it") == .plainText)
    }

    @Test func utf16MarkupIsSniffedThroughTheBOM() throws {
        let bytes: [UInt8] =
            [0xFF, 0xFE] + Array("<html><body>x".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(
            try MediaTypeResolver.resolve(contentType: nil, name: nil, bytes: bytes, source: "s").mediaType == .html)
    }

    @Test func contentTypeParsing() {
        let c = ContentType("Text/HTML ; foo=bar; charset=\"ISO-8859-1\"")
        #expect(c.mime == "text/html")
        #expect(c.charset == "iso-8859-1")
    }
}
