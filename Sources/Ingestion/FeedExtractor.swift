internal import CLibXML2

/// Atom (RFC 4287), RSS 2.0 and RSS 1.0 (RDF) feeds → the feed title, then each item's title
/// and summary as headed paragraphs. Summaries that carry escaped HTML (Atom `type="html"`, RSS
/// `description`) are parsed as HTML; Atom `type="xhtml"` content is read from its `div`.
public struct FeedExtractor: TextExtractor {
    public init() {}

    public func extract(_ input: ExtractionInput) throws(IngestionError) -> Extraction {
        var result = try XMLExtractor().extract(input)
        if result.mediaType != .atom && result.mediaType != .rss {
            // Labelled a feed but not one: keep what the XML reader made of it.
            result.mediaType = .xml
        }
        return result
    }

    static func extract(root: xmlNodePtr, source: String) throws(IngestionError) -> (String?, String) {
        var builder = TextBlockBuilder()
        var title: String?
        let items: [xmlNodePtr]
        switch root.localName {
        case "feed":
            title = text(StructuredXMLWalker.child(of: root, named: "title"), source: source)
            items = children(of: root, named: "entry")
        case "rss":
            let channel = StructuredXMLWalker.child(of: root, named: "channel")
            title = text(channel.flatMap { StructuredXMLWalker.child(of: $0, named: "title") }, source: source)
            items = channel.map { children(of: $0, named: "item") } ?? []
        default:  // RDF: channel and items are siblings
            let channel = StructuredXMLWalker.child(of: root, named: "channel")
            title = text(channel.flatMap { StructuredXMLWalker.child(of: $0, named: "title") }, source: source)
            items = children(of: root, named: "item")
        }
        if let title {
            builder.appendText(title)
            builder.breakBlock()
        }
        for item in items {
            if let itemTitle = text(StructuredXMLWalker.child(of: item, named: "title"), source: source) {
                builder.appendText(itemTitle)
                builder.breakBlock()
            }
            let summary =
                StructuredXMLWalker.child(of: item, named: "summary")
                ?? StructuredXMLWalker.child(of: item, named: "description")
                ?? StructuredXMLWalker.child(of: item, named: "content")
                ?? StructuredXMLWalker.child(of: item, named: "encoded")
            if let summary, let body = text(summary, source: source) {
                for paragraph in body.split(separator: "\n\n") {
                    builder.appendText(String(paragraph))
                    builder.breakBlock()
                }
            }
        }
        return (title, builder.finish())
    }

    private static func children(of node: xmlNodePtr, named name: String) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let c = child {
            if c.isElement, c.localName == name { result.append(c) }
            child = c.pointee.next
        }
        return result
    }

    /// The text of a feed text construct: plain, escaped HTML, or inline XHTML.
    private static func text(_ node: xmlNodePtr?, source: String) -> String? {
        guard let node else { return nil }
        let type = node.attribute("type")?.lowercased()
        if type == "xhtml", let div = StructuredXMLWalker.child(of: node, named: "div") {
            let text = HTMLContentWalker(root: div).extract().text
            return text.isEmpty ? nil : text
        }
        let raw = rawContent(of: node)
        let looksLikeHTML = type == "html" || type == "text/html" || (type == nil && raw.contains("<"))
        if looksLikeHTML, let parsed = try? HTMLExtractor.extractText(utf8: Array(raw.utf8), source: source) {
            return parsed.1.isEmpty ? nil : parsed.1
        }
        var builder = TextBlockBuilder()
        builder.appendText(raw)
        let text = builder.finish()
        return text.isEmpty ? nil : text
    }

    /// Text and CDATA children, unescaped by the parser, concatenated.
    private static func rawContent(of node: xmlNodePtr) -> String {
        var bytes: [UInt8] = []
        LibXML.walk(
            node,
            enter: { n in
                switch n.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if var p = n.pointee.content {
                        while p.pointee != 0 {
                            bytes.append(p.pointee)
                            p += 1
                        }
                    }
                    return false
                case XML_ELEMENT_NODE: return true
                default: return false
                }
            }, exit: { _ in })
        return String(decoding: bytes, as: UTF8.self)
    }
}
