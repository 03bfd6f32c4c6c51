import Testing

@testable import Ingestion

@Suite struct TextNormalizerTests {
    @Test func lineEndingsParagraphsAndWhitespace() {
        let input = "  Title  \r\n\r\n\r\nFirst   line\rsecond\tline\u{2028}third\n \t \nNext\u{0C}Page\u{07}!"
        #expect(TextNormalizer.normalize(input) == "Title\n\nFirst line second line third\n\nNext\n\nPage!")
    }

    @Test func listLinesStayOnTheirOwnLines() {
        let input = "Shopping:\n- milk\n- eggs and\n  bread\n1. first\n2) second"
        #expect(TextNormalizer.normalize(input) == "Shopping:\n- milk\n- eggs and bread\n1. first\n2) second")
    }

    @Test func indentedAndFencedCodeIsVerbatim() {
        let input = "Code:\n\n    let x = 1\n        nested\n\n```swift\nlet  y = 2\n\n   z\n```\nafter"
        #expect(
            TextNormalizer.normalize(input)
                == "Code:\n\n    let x = 1\n        nested\n\n```swift\nlet  y = 2\n\n   z\n```\n\nafter")
    }

    @Test func onlyWhitespaceBecomesEmpty() {
        #expect(TextNormalizer.normalize(" \n\t\r\n \u{00A0} \n") == "")
    }

    @Test func markdownTitles() {
        #expect(PlainTextExtractor.title(of: "\n# The Title\n\nBody") == "The Title")
        #expect(PlainTextExtractor.title(of: "Setext Title\n=====\nBody") == "Setext Title")
        #expect(PlainTextExtractor.title(of: "Just a sentence.\nMore.") == nil)
    }
}
