import Testing

@testable import Ingestion

@Suite struct GlobTests {
    @Test(arguments: [
        ("*.html", "index.html", true), ("*.html", "docs/deep/page.html", true), ("*.html", "page.htm", false),
        ("docs/*.xml", "docs/a.xml", true), ("docs/*.xml", "docs/sub/a.xml", false),
        ("docs/**/*.xml", "docs/a.xml", true), ("docs/**/*.xml", "docs/sub/deeper/a.xml", true),
        ("docs/**", "docs/x/y", true), ("docs/**", "other/docs/x", false),
        ("page?.txt", "page1.txt", true), ("page?.txt", "page10.txt", false),
        ("[a-c]*.md", "beta.md", true), ("[!a-c]*.md", "beta.md", false), ("[!a-c]*.md", "zeta.md", true),
        ("\\*.txt", "*.txt", true), ("\\*.txt", "a.txt", false),
        ("build", "src/build", true), ("*a*a*a*a*a*b", String(repeating: "a", count: 60), false),
    ])
    func matches(_ pattern: String, _ path: String, _ expected: Bool) throws {
        #expect(try Glob(pattern).matches(path) == expected)
    }

    @Test func invalidPatternsAreErrors() {
        #expect(throws: IngestionError(source: "[abc", .invalidPattern("unclosed ["))) { try Glob("[abc") }
        #expect(throws: IngestionError.self) { try Glob("a\\") }
    }
}
