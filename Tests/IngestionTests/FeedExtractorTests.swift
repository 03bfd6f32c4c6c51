import Testing

@testable import Ingestion

/// Atom and RSS feeds (hand-written fixtures; see Fixtures/README.md).
@Suite struct FeedExtractorTests {
    func load(_ file: String) throws -> Extraction {
        try DocumentLoader().extract(
            bytes: try Fixtures.bytes("feeds/" + file), name: file, contentType: nil, source: file)
    }

    @Test func atomEntriesBecomeTitlesAndSummaries() throws {
        let e = try load("atom.xml")
        #expect(e.mediaType == .atom)
        #expect(e.title == "Example Release Notes")
        #expect(
            e.text == """
                Example Release Notes

                Version 2.0 released

                The second major version adds streaming.

                Security fix in 1.9.3

                A buffer overflow in the parser was fixed.
                """)
    }

    @Test func rssItemsInLatin1WithHTMLDescriptions() throws {
        let e = try load("rss.xml")
        #expect(e.mediaType == .rss)
        #expect(e.encoding == "iso-8859-1" || e.encoding == "windows-1252")
        #expect(e.title == "Café Weekly")
        #expect(
            e.text == """
                Café Weekly

                New espresso machine

                We bought a new machine.

                It makes 40 cups an hour.

                Opening hours

                Open daily from 8 to 18.
                """)
    }

    @Test func rdfFeedWithContentTypeLabel() throws {
        let rdf = """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel><title>Planet</title></channel>
            <item><title>Post</title><description>Plain words.</description></item></rdf:RDF>
            """
        let e = try DocumentLoader().extract(
            bytes: Array(rdf.utf8), name: "feed", contentType: "application/rdf+xml", source: "feed")
        #expect(e.mediaType == .rss)
        #expect(e.text == "Planet\n\nPost\n\nPlain words.")
    }
}
