import Foundation
import TestSupport
import Testing

@testable import Ingestion

/// DocBook and Mallard documents from Debian packages, XHTML, and hostile XML: entity bombs,
/// external entities, deep nesting. libxml2 here is 2.9.14 (Debian 12).
@Suite struct XMLExtractorTests {
    func fixture(_ file: String) throws -> Extraction {
        try DocumentLoader().extract(
            bytes: try Fixtures.bytes("debian-docs/" + file), name: file, contentType: nil, source: file)
    }

    func xml(_ text: String, source: String = "doc.xml") throws(IngestionError) -> Extraction {
        try XMLExtractor().extract(ExtractionInput(bytes: Array(text.utf8), source: source, mediaType: .xml))
    }

    @Test func docBookSectionsBecomeHeadedParagraphs() throws {
        let e = try fixture("gnumeric-analysis-goalseek.xml")
        #expect(e.mediaType == .xml)
        #expect(e.title == "Goal Seek Tool")
        #expect(
            e.text.hasPrefix("Goal Seek Tool\n\nUse Goal Seek Tool to search for a value of a single model variable"))
        #expect(
            e.text.contains(
                "\n\nUsing the Tool\n\nFirst, select the ``Goal Seek...''  tool item".replacingOccurrences(
                    of: "  ", with: " ")))
    }

    @Test func docBookMasterFileLoadsNoDTDAndExpandsNoEntities() throws {
        let raw = String(decoding: try Fixtures.bytes("debian-docs/gnumeric.xml"), as: UTF8.self)
        let e = try fixture("gnumeric.xml")
        #expect(e.title?.hasPrefix("The Gnumeric Manual") == true)
        #expect(e.text.contains("Welcome!"))
        #expect(e.text.contains("Unfortunately, this manual cannot teach you the very basics"))
        // The internal subset declares this entity; it is not substituted.
        #expect(raw.contains("Microsoft Excel 95/97/2000/2003/XP/2007"))
        #expect(!e.text.contains("Microsoft Excel 95/97/2000/2003/XP/2007"))
    }

    @Test func docBookTablesBecomeRows() throws {
        let e = try fixture("gnumeric-files-formats.xml")
        #expect(e.text.contains("\nApplix | .as | YES | application/x-applix-spreadsheet\n"))
        #expect(e.text.contains("Format | Extension | Open | Save | Import | Export | MIME type"))
    }

    @Test func mallardPageKeepsStepsAndDropsInfo() throws {
        let raw = String(decoding: try Fixtures.bytes("debian-docs/gnome-help-a11y-bouncekeys.page"), as: UTF8.self)
        let e = try fixture("gnome-help-a11y-bouncekeys.page")
        #expect(e.title == "Turn on bounce keys")
        #expect(e.text.contains("Turn on bounce keys to ignore key presses that are rapidly repeated."))
        #expect(
            e.text.contains("\n1. Open the Activities overview and start typing Settings.\n2. Click on Settings.\n"))
        for metadata in ["Shaun McCance", "Ignore quickly-repeated key presses"] {
            #expect(raw.contains(metadata))
            #expect(!e.text.contains(metadata))
        }
    }

    @Test func mallardKeyCombinationsAndTables() throws {
        let e = try fixture("gnome-help-shell-keyboard-shortcuts.page")
        #expect(e.text.contains("Alt+F1 or the Super key | Switch between the Activities overview and desktop."))
    }

    @Test func xhtmlGoesThroughTheHTMLRules() throws {
        let e = try xml(
            """
            <?xml version="1.0"?>
            <html xmlns="http://www.w3.org/1999/xhtml"><head><title>X</title></head>
            <body><nav><a href="/">Home</a></nav><p>Body &amp; soul</p><script>x()</script></body></html>
            """)
        #expect(e.mediaType == .xhtml)
        #expect(e.title == "X")
        #expect(e.text == "Body & soul")
    }

    @Test func malformedXHTMLFallsBackToTheHTMLParser() throws {
        let bytes = Array(
            "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Unclosed <br> tag & stray ampersand</p></body></html>"
                .utf8)
        let e = try XMLExtractor().extract(ExtractionInput(bytes: bytes, source: "x.xhtml", mediaType: .xhtml))
        #expect(e.text == "Unclosed tag & stray ampersand")
    }

    @Test func unknownVocabularyUsesMixedContent() throws {
        let e = try xml(
            "<notes><note><head>First</head><body>Run <cmd>make</cmd> now.</body></note><note><body>Second</body></note></notes>"
        )
        #expect(e.text == "First\n\nRun make now.\n\nSecond")
    }

    // MARK: Hostile XML

    @Test func billionLaughsFailsFast() throws {
        var doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        for i in 1...9 {
            let previous = i == 1 ? "lol" : "lol\(i - 1)"
            doc += "<!ENTITY lol\(i) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        doc += "]>\n<lolz>&lol9;</lolz>\n"
        let start = Date()
        #expect(
            throws: IngestionError(
                source: "bomb.xml", .entityExpansion("entity references nest in a loop or expand exponentially"))
        ) {
            try xml(doc, source: "bomb.xml")
        }
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func quadraticBlowupFailsFast() throws {
        let entity = String(repeating: "a", count: 50_000)
        let doc =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE kaboom [<!ENTITY a \"\(entity)\">]>\n<kaboom>"
            + String(repeating: "&a;", count: 50_000) + "</kaboom>\n"
        let start = Date()
        do {
            _ = try xml(doc, source: "quadratic.xml")
            Issue.record("quadratic blowup was accepted")
        } catch {
            #expect(error.kind == "entity_expansion")
            #expect(error.description.hasPrefix("quadratic.xml: entity expansion refused"))
        }
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func modestInternalEntitiesAreAccepted() throws {
        let doc = "<!DOCTYPE d [<!ENTITY app \"Gnumeric\">]><d><p>Use &app; daily.</p><p>Second.</p></d>"
        let e = try xml(doc)
        // Not substituted (no expansion beyond the predefined entities), but not an error either.
        #expect(e.text == "Use daily.\n\nSecond.")
    }

    @Test func externalEntityToALocalFileIsNotRead() throws {
        let folder = try Fixtures.temporaryFolder()
        let secret = try Fixtures.write("TOP-SECRET-\(UUID().uuidString)", to: folder, "secret.txt")
        for doc in [
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file://\(secret)\">]><r>before &x; after</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"\(secret)\">]><r>before &x; after</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"file://\(secret)\"> %p;]><r>before after</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"file://\(secret)\"><r>before after</r>",
        ] {
            let e = try xml(doc)
            #expect(e.text == "before after")
            #expect(!e.text.contains("TOP-SECRET"))
        }
    }

    @Test func externalEntityToLoopbackIsNotFetched() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        server.route("/") { _, c in
            c.respond(status: 200, headers: ["Content-Type": "text/plain"], body: "FETCHED-SECRET")
        }
        for doc in [
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"\(server.baseURL)/entity\">]><r>before &x; after</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"\(server.baseURL)/pe\"> %p;]><r>before after</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"\(server.baseURL)/dtd\"><r>before after</r>",
            "<?xml version=\"1.0\"?><r xmlns:xi=\"http://www.w3.org/2001/XInclude\">before <xi:include href=\"\(server.baseURL)/xinclude\" parse=\"text\"/>after</r>",
        ] {
            let e = try xml(doc)
            #expect(!e.text.contains("FETCHED-SECRET"))
            #expect(e.text.hasPrefix("before"))
        }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(server.requests.isEmpty)
    }

    @Test func deepNestingIsRefused() throws {
        let doc = String(repeating: "<a>", count: 10_000) + "deep" + String(repeating: "</a>", count: 10_000)
        #expect(throws: IngestionError(source: "deep.xml", .nestingTooDeep(limit: 256))) {
            try xml(doc, source: "deep.xml")
        }
    }

    @Test func malformedXMLNamesTheLine() throws {
        do {
            _ = try xml("<?xml version=\"1.0\"?>\n\n<<<not xml", source: "bad.xml")
            Issue.record("malformed XML was accepted")
        } catch {
            guard case .malformedMarkup(let line, _) = error.reason else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(line == 3)
            #expect(error.source == "bad.xml")
        }
    }

    /// Issue 16 item 24: a GSettings schema is data: its element and attribute names are kept as
    /// `name: value` lines instead of "false / Always show …".
    @Test func dataXMLKeepsNames() throws {
        let schema = """
            <?xml version="1.0" encoding="UTF-8"?>
            <schemalist gettext-domain="gsettings-desktop-schemas">
              <schema id="org.gnome.desktop.a11y" path="/org/gnome/desktop/a11y/">
                <key name="always-show-universal-access-status" type="b">
                  <default>false</default>
                  <summary>Always show the Universal Access status</summary>
                  <description>This key overrides the automatic hiding of the Universal Access status.</description>
                </key>
                <key name="always-show-text-caret" type="b">
                  <default l10n="messages">false</default>
                </key>
              </schema>
            </schemalist>
            """
        #expect(
            try xml(schema).text == """
                schemalist (gettext-domain: gsettings-desktop-schemas)

                schema (id: org.gnome.desktop.a11y, path: /org/gnome/desktop/a11y/)
                  key (name: always-show-universal-access-status, type: b)
                    default: false
                    summary: Always show the Universal Access status
                    description: This key overrides the automatic hiding of the Universal Access status.
                  key (name: always-show-text-caret, type: b)
                    default (l10n: messages): false
                """)
        let strings = "<resources><string name=\"app\">Notes</string><string name=\"ok\">OK</string><flag/></resources>"
        #expect(try xml(strings).text == "string (name: app): Notes\nstring (name: ok): OK\nflag")
    }

    /// Prose stays prose: long leaf text, structural names or mixed content keep the document walker.
    @Test func proseXMLIsNotData() throws {
        let long = String(repeating: "A sentence of prose that goes on. ", count: 10)
        let sentence = long.trimmingCharacters(in: .whitespaces)
        #expect(try xml("<doc><chunk>\(long)</chunk><chunk>\(long)</chunk></doc>").text == sentence + "\n\n" + sentence)
        #expect(try xml("<doc><title>T</title><x>y</x></doc>").text == "T\n\ny")
        #expect(try xml("<r>before <b>bold</b> after</r>").text == "before bold after")
    }
}
