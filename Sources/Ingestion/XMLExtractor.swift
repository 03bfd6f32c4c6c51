internal import CLibXML2

/// XML through libxml2's XML parser with network, DTD loading and entity substitution off.
///
/// The root element picks the reader: XHTML goes to `HTMLContentWalker`, Atom and RSS to
/// `FeedExtractor`, data (configuration, schemas: see `DataXMLWalker.isDataLike`) to
/// `DataXMLWalker`, anything else (DocBook, Mallard, TEI, unknown vocabularies) to
/// `StructuredXMLWalker`. XHTML that is not well-formed is read again as HTML.
public struct XMLExtractor: TextExtractor {
    public init() {}

    public func extract(_ input: ExtractionInput) throws(IngestionError) -> Extraction {
        // RFC 7303 §3: a charset parameter in the Content-Type beats the XML declaration.
        let charset = input.declaredCharset ?? CharsetDeclaration.xml(input.bytes)
        let decoded = TextDecoder.decode(input.bytes, declared: charset)
        let document: LibXMLDocument
        do {
            document = try LibXML.parseXML(decoded.utf8, source: input.source, strict: input.mediaType == .xhtml)
        } catch {
            if input.mediaType == .xhtml, case .malformedMarkup = error.reason {
                var html = try HTMLExtractor().extract(input)
                html.mediaType = .xhtml
                return html
            }
            throw error
        }
        try EntityExpansionGuard.check(document, inputBytes: input.bytes.count, source: input.source)
        guard let root = document.root else { throw IngestionError(source: input.source, .emptyDocument) }
        return try withExtendedLifetime(document) { () throws(IngestionError) -> Extraction in
            let kind = Self.kind(of: root)
            switch kind {
            case .xhtml:
                let (title, text) = HTMLContentWalker(root: root).extract()
                return Extraction(title: title, text: text, encoding: decoded.encoding, mediaType: .xhtml)
            case .atom, .rss:
                let (title, text) = try FeedExtractor.extract(root: root, source: input.source)
                return Extraction(title: title, text: text, encoding: decoded.encoding, mediaType: kind)
            default:
                let (title, text) =
                    DataXMLWalker.isDataLike(root)
                    ? DataXMLWalker(root: root).extract() : StructuredXMLWalker(root: root).extract()
                return Extraction(title: title, text: text, encoding: decoded.encoding, mediaType: .xml)
            }
        }
    }

    /// What the root element says the document is.
    static func kind(of root: xmlNodePtr) -> MediaType {
        let name = root.localName
        let ns = root.namespaceURI ?? ""
        switch name {
        case "html" where ns.isEmpty || ns == "http://www.w3.org/1999/xhtml": return .xhtml
        case "feed": return .atom
        case "rss": return .rss
        case "RDF" where ns == "http://www.w3.org/1999/02/22-rdf-syntax-ns#": return .rss
        default: return .xml
        }
    }
}
