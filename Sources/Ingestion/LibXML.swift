internal import CLibXML2

/// The libxml2 calls ingestion makes: one-time setup, parsing with errors captured, tree walking.
enum LibXML {
    /// libxml2 without `XML_PARSE_HUGE` refuses deeper trees ("Excessive depth in document: 256",
    /// parser.c `xmlParserMaxDepth`); the HTML parser applies the same limit.
    static let maxDepth = 256

    /// `xmlInitParser` once, before any thread parses (libxml2 threads docs), and an external
    /// entity loader that refuses everything: no document, DTD or entity is ever read from a file
    /// or the network on behalf of an input, whatever the parser options.
    private static let initialized: Void = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
    }()

    static func ensureInitialized() { _ = initialized }

    /// Errors libxml2 reported while parsing one document.
    final class ErrorLog {
        var first: (line: Int, message: String)?
        var depthExceeded = false
        var entityLoop = false
        var count = 0

        func record(_ error: xmlError) {
            count += 1
            let message = error.message.map { String(cString: $0).trimmingASCIIWhitespace() } ?? "error \(error.code)"
            if error.code == Int32(XML_ERR_ENTITY_LOOP.rawValue) { entityLoop = true }
            if message.hasPrefix("Excessive depth") { depthExceeded = true }
            if first == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue {
                first = (Int(error.line), message)
            }
        }
    }

    /// Runs `body` with libxml2's structured error handler pointed at `log`. libxml2 keeps that
    /// handler per thread, and parsing is synchronous, so documents parsed on other threads do
    /// not mix their errors in.
    static func capturingErrors<T>(_ log: ErrorLog, _ body: () -> T) -> T {
        ensureInitialized()
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(log).toOpaque()) { context, error in
            guard let context, let error else { return }
            Unmanaged<ErrorLog>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        return body()
    }

    /// Parses UTF-8 HTML with libxml2's error-recovering HTML parser; the document's own charset
    /// declaration is ignored because the bytes were already decoded.
    static func parseHTML(_ utf8: [UInt8], source: String) throws(IngestionError) -> LibXMLDocument {
        let options =
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue | HTML_PARSE_COMPACT.rawValue
        let log = ErrorLog()
        let doc: htmlDocPtr? = capturingErrors(log) {
            utf8.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    htmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", Int32(options))
                }
            }
        }
        let document = doc.map(LibXMLDocument.init)
        if log.depthExceeded { throw IngestionError(source: source, .nestingTooDeep(limit: maxDepth)) }
        guard let document, document.root != nil else {
            throw IngestionError(
                source: source,
                .malformedMarkup(line: log.first?.line ?? 1, message: log.first?.message ?? "no element found"))
        }
        return document
    }

    /// Parses UTF-8 XML for untrusted input: no network, no DTD loading, no entity substitution
    /// (references stay reference nodes, which the walkers skip), no `XML_PARSE_HUGE`. Recovery is
    /// on so a fragment using entities declared elsewhere still yields its text; an entity loop or
    /// excessive depth is an error. With `strict`, any error is (so XHTML that is not
    /// well-formed can be read again by the HTML parser instead of losing text to recovery).
    static func parseXML(_ utf8: [UInt8], source: String, strict: Bool = false) throws(IngestionError) -> LibXMLDocument
    {
        let options =
            XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue
            | XML_PARSE_IGNORE_ENC.rawValue
        let log = ErrorLog()
        let doc: xmlDocPtr? = capturingErrors(log) {
            utf8.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    xmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", Int32(options))
                }
            }
        }
        let document = doc.map(LibXMLDocument.init)
        if log.entityLoop {
            throw IngestionError(
                source: source, .entityExpansion("entity references nest in a loop or expand exponentially"))
        }
        if log.depthExceeded { throw IngestionError(source: source, .nestingTooDeep(limit: maxDepth)) }
        guard let document, document.root != nil, !(strict && log.first != nil) else {
            throw IngestionError(
                source: source,
                .malformedMarkup(line: log.first?.line ?? 1, message: log.first?.message ?? "no root element"))
        }
        return document
    }

    /// Visits the tree under `root` without recursion (inputs may nest deeply). `enter` returns
    /// whether to descend into the node; `exit` is called after the children of every node that
    /// was descended into (and for `root` itself). Entity reference nodes must not be descended
    /// into: their children belong to the entity declaration.
    static func walk(_ root: xmlNodePtr, enter: (xmlNodePtr) -> Bool, exit: (xmlNodePtr) -> Void) {
        var current = root.pointee.children
        while let node = current {
            let descend = enter(node)
            if descend, let child = node.pointee.children {
                current = child
                continue
            }
            if descend { exit(node) }
            var done = node
            current = nil
            while true {
                if let sibling = done.pointee.next {
                    current = sibling
                    break
                }
                guard let parent = done.pointee.parent, parent != root else { break }
                exit(parent)
                done = parent
            }
        }
        exit(root)
    }

    /// The text under `node`, whitespace collapsed (titles, link-density statistics).
    static func text(of node: xmlNodePtr) -> String {
        var builder = TextBlockBuilder()
        walk(
            node,
            enter: { n in
                switch n.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = n.pointee.content { builder.appendText(content) }
                    return false
                case XML_ELEMENT_NODE: return true
                default: return false
                }
            }, exit: { _ in })
        return builder.finish()
    }
}

/// A parsed libxml2 document, freed with `xmlFreeDoc` when the last reference goes.
final class LibXMLDocument {
    let pointer: xmlDocPtr

    init(_ pointer: xmlDocPtr) { self.pointer = pointer }

    deinit { xmlFreeDoc(pointer) }

    var root: xmlNodePtr? { xmlDocGetRootElement(pointer) }
}

extension UnsafeMutablePointer where Pointee == xmlNode {
    var isElement: Bool { pointee.type == XML_ELEMENT_NODE }

    /// The element's local name as written (HTML names are lowercased by the parser).
    var localName: String { pointee.name.map { String(cString: $0) } ?? "" }

    /// The element's namespace URI, if any.
    var namespaceURI: String? { pointee.ns?.pointee.href.map { String(cString: $0) } }

    /// An attribute's value, read from the attribute's text children without allocating in C.
    func attribute(_ name: String) -> String? {
        var attr = pointee.properties
        while let a = attr {
            if let n = a.pointee.name, String(cString: n) == name {
                var value = ""
                var child = a.pointee.children
                while let c = child {
                    if let content = c.pointee.content { value += String(cString: content) }
                    child = c.pointee.next
                }
                return value
            }
            attr = a.pointee.next
        }
        return nil
    }

    func hasAttribute(_ name: String) -> Bool {
        var attr = pointee.properties
        while let a = attr {
            if let n = a.pointee.name, String(cString: n) == name { return true }
            attr = a.pointee.next
        }
        return false
    }
}
