import Foundation
import Testing

@testable import Ingestion

/// Real manuals from Debian packages (Fixtures/debian-docs, see its README) and small pages that
/// pin down each rule.
@Suite struct HTMLExtractorTests {
    struct RealPage: Sendable, CustomTestStringConvertible {
        var file: String
        var title: String
        /// Body text that must survive extraction.
        var body: [String]
        /// Navigation or chrome text: present in the raw file, absent from the extracted text.
        var navigation: [String]
        var testDescription: String { file }
    }

    static let pythonNavigation = [
        "Previous topic", "Next topic", "Report a Bug", "Show Source", "Quick search", "Python Software Foundation",
    ]

    static let realPages: [RealPage] = [
        RealPage(
            file: "python-library-json.html", title: "json — JSON encoder and decoder — Python 3.11.2 documentation",
            body: [
                "JSON (JavaScript Object Notation), specified by RFC 7159",
                "Be cautious when parsing JSON data from untrusted sources.", ">>> import json\n>>> json.dumps(",
            ], navigation: pythonNavigation),
        RealPage(
            file: "python-library-os.path.html",
            title: "os.path — Common pathname manipulations — Python 3.11.2 documentation",
            body: [
                "This module implements some useful functions on pathnames.",
                "Unlike a Unix shell, Python does not do any automatic path expansions.",
            ],
            navigation: pythonNavigation),
        RealPage(
            file: "python-tutorial-introduction.html",
            title: "3. An Informal Introduction to Python — Python 3.11.2 documentation",
            body: [
                "In the following examples, input and output are distinguished",
                "0,1,1,2,3,5,8,13,21,34,55,89,144,233,377,610,987,",
            ],
            navigation: pythonNavigation),
        RealPage(
            file: "git-add.html", title: "git-add(1)",
            body: [
                "git-add - Add file contents to the index",
                "This command updates the index using the current content found in the working tree",
            ],
            navigation: ["Last updated"]),
        RealPage(
            file: "gittutorial.html", title: "gittutorial(7)",
            body: ["This tutorial explains how to import a new project into Git", "$ git init"],
            navigation: ["Last updated"]),
        RealPage(
            file: "debian-handbook-apt.html", title: "Chapter 6. Maintenance and Updates: The APT Tools",
            body: ["What makes Debian so popular with administrators is how easily software can be installed"],
            navigation: ["Download the ebook", "5.5. Coexistence with Other Packaging Systems"]),
        RealPage(
            file: "debian-handbook-sect.apt-get.html", title: "6.2. aptitude, apt-get, and apt Commands",
            body: ["APT is a vast project, whose original plans included a graphical interface."],
            navigation: ["Download the ebook", "Chapter 6. Maintenance and Updates: The APT Tools"]),
        RealPage(
            file: "debian-handbook-index.html", title: "The Debian Administrator's Handbook",
            body: [
                "Debian Bullseye from Discovery to Mastery", "This book is available under the terms of two licenses",
            ],
            navigation: ["Download the ebook", "1.1. A Multi-Platform Operating System"]),
    ]

    @Test(arguments: realPages)
    func realManualKeepsBodyAndDropsNavigation(_ page: RealPage) throws {
        let raw = String(decoding: try Fixtures.bytes("debian-docs/" + page.file), as: UTF8.self)
            .replacingOccurrences(of: "\u{00A0}", with: " ").replacingOccurrences(of: "&nbsp;", with: " ")
        let extraction = try DocumentLoader().extract(
            bytes: try Fixtures.bytes("debian-docs/" + page.file), name: page.file, contentType: nil, source: page.file)
        #expect(extraction.mediaType == .html)
        #expect(extraction.title == page.title)
        for phrase in page.body {
            #expect(extraction.text.contains(phrase), "missing body text: \(phrase)")
        }
        for phrase in page.navigation {
            #expect(raw.contains(phrase), "fixture should contain navigation text: \(phrase)")
            #expect(!extraction.text.contains(phrase), "navigation text left in: \(phrase)")
        }
        // No markup or script left over, and paragraphs are separated by exactly one blank line.
        #expect(!extraction.text.contains("<div"))
        #expect(!extraction.text.contains("function("))
        #expect(!extraction.text.contains("\n\n\n"))
        #expect(extraction.text.count > 1000)
    }

    @Test func handbookTableOfContentsIsGoneButHeadingsStay() throws {
        let text = try extractFixture("debian-handbook-apt.html").text
        // The heading appears once in the body; the table of contents repeated it as a link.
        let heading = "6.1.2. Repositories for Stable Users"
        #expect(text.components(separatedBy: heading).count - 1 == 1)
        #expect(text.contains("\n\n" + heading + "\n\n"))
    }

    @Test func sphinxPermalinksAreDropped() throws {
        let text = try extractFixture("python-library-json.html").text
        #expect(!text.contains("¶"))
        #expect(text.contains("\n\nBasic Usage\n\n"))
    }

    // MARK: Rules on small pages

    func html(_ body: String, head: String = "<title>T</title>") throws -> Extraction {
        try HTMLExtractor().extract(
            ExtractionInput(
                bytes: Array("<!DOCTYPE html><html><head>\(head)</head><body>\(body)</body></html>".utf8),
                source: "page.html", mediaType: .html))
    }

    @Test func hiddenElementsAreDropped() throws {
        let text = try html(
            """
            <p hidden>H1</p><p aria-hidden="true">H2</p><p style="color: red; DISPLAY : none">H3</p>
            <p style="visibility:hidden">H4</p><p aria-hidden="false">Shown one</p><p>Shown two</p>
            <span class="sr-only">Skip to content</span>
            """
        ).text
        #expect(text == "Shown one\n\nShown two")
    }

    @Test(arguments: ["script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form"])
    func droppedElement(_ tag: String) throws {
        let text = try html("<p>Before</p><\(tag)>Dropped text</\(tag)><p>After</p>").text
        #expect(text == "Before\n\nAfter")
    }

    @Test func headerInsideArticleIsKept() throws {
        let text = try html(
            "<header>Site banner</header><article><header><h1>Post title</h1></header><p>Post body.</p></article>"
        ).text
        #expect(text == "Post title\n\nPost body.")
    }

    @Test func mainIsPreferredOverLinkHeavyNavigation() throws {
        let links = (1...30).map { "<li><a href=\"/p\($0)\">Page number \($0)</a></li>" }.joined()
        let text = try html(
            "<div class=\"menu-wrapper\"><ul>\(links)</ul></div><div id=\"x\"><ul>\(links)</ul></div><main><h1>Real title</h1><p>The real content of the page.</p></main>"
        ).text
        #expect(text == "Real title\n\nThe real content of the page.")
    }

    @Test func linkDenseBlocksAreDroppedWithoutMain() throws {
        let links = (1...20).map { "<a href=\"/p\($0)\">Link \($0)</a> " }.joined()
        let text = try html(
            "<div>\(links)</div><div><p>First paragraph with a <a href=\"/x\">link</a> inside.</p><p>Second paragraph.</p></div>"
        ).text
        #expect(text == "First paragraph with a link inside.\n\nSecond paragraph.")
    }

    @Test func indexPageOfLinksKeepsItsLinks() throws {
        let links = (1...10).map { "<li><a href=\"/p\($0)\">Chapter \($0)</a></li>" }.joined()
        let text = try html("<h1>Contents</h1><ul>\(links)</ul>").text
        #expect(text.hasPrefix("Contents\n\n- Chapter 1\n- Chapter 2"))
    }

    @Test func structureBecomesParagraphsListsTablesAndPre() throws {
        let text = try html(
            """
            <h2>Heading</h2><p>Para   one
            continues.</p><ul><li>alpha</li><li>beta<ol><li>one</li><li>two</li></ol></li></ul>
            <table><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr><tr><td></td><td>2</td></tr></table>
            <pre>line 1
                indented &lt;tag&gt;
            </pre><p>Line<br>break</p>
            """
        ).text
        #expect(
            text == """
                Heading

                Para one continues.

                - alpha
                - beta
                  1. one
                  2. two

                Name | Value
                a | 1
                2

                line 1
                    indented <tag>

                Line break
                """)
    }

    @Test func titleFallsBackToFirstHeading() throws {
        #expect(try html("<h1>Only heading</h1><p>x</p>", head: "").title == "Only heading")
        #expect(try html("<p>x</p>", head: "<title>  Spaced \n title </title>").title == "Spaced title")
    }

    @Test func metaCharsetWindows1252() throws {
        let bytes: [UInt8] =
            Array("<html><head><meta charset=\"windows-1252\"></head><body><p>".utf8) + [0x93, 0x41, 0x94, 0x20, 0x80]
            + Array("</p></body></html>".utf8)
        let e = try HTMLExtractor().extract(ExtractionInput(bytes: bytes, source: "x", mediaType: .html))
        #expect(e.text == "\u{201C}A\u{201D} \u{20AC}")
        #expect(e.encoding == "windows-1252")
    }

    @Test func metaCharsetOfAnotherFamilyGoesThroughIconv() throws {
        // ISO-8859-2: 0xB1 is U+0105 LATIN SMALL LETTER A WITH OGONEK.
        let bytes: [UInt8] =
            Array(
                "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-2\"></head><body><p>"
                    .utf8) + [0xB1] + Array("</p></body></html>".utf8)
        let e = try HTMLExtractor().extract(ExtractionInput(bytes: bytes, source: "x", mediaType: .html))
        #expect(e.text == "\u{0105}")
        #expect(e.encoding == "iso-8859-2")
    }

    @Test func headerCharsetBeatsMeta() throws {
        let bytes: [UInt8] =
            Array("<html><head><meta charset=\"utf-8\"></head><body><p>".utf8) + [0xB1]
            + Array("</p></body></html>".utf8)
        let e = try HTMLExtractor().extract(
            ExtractionInput(bytes: bytes, source: "x", mediaType: .html, declaredCharset: "iso-8859-2"))
        #expect(e.text == "\u{0105}")
    }

    private func extractFixture(_ file: String) throws -> Extraction {
        try DocumentLoader().extract(
            bytes: try Fixtures.bytes("debian-docs/" + file), name: file, contentType: nil, source: file)
    }
}
