internal import CLibXML2

/// Data XML (configuration, schemas, records: a GSettings schema, an Android resource file) →
/// one `name: value` line per element, so the names survive: the document walker keeps only
/// text, and a GSettings schema came out as "False / True / False …" (issue 16 item 24).
///
/// A document is data-like when all of these hold, decided once from the whole tree:
/// - the root has child elements (a lone element with text is just text);
/// - no element mixes text with child elements (`<p>Run <cmd>x</cmd></p>` is prose);
/// - no element name is a structural one of DocBook, Mallard, TEI or XHTML (`para`, `p`,
///   `section`, `title`, `list`, … in `StructuredXMLWalker.roles`; inline names such as `key`
///   or `name` are common in data and do not count);
/// - leaf elements hold short text: at most `maxMeanLeafBytes` on average (values, not prose).
///
/// Output: each child of the root is one block; an element is a line indented two spaces per
/// level, `name: text` for a leaf, `name (attribute: value, …)` for attributes, both for a leaf
/// with attributes (`default (l10n: messages): 'x'`).
struct DataXMLWalker {
    /// Mean bytes of text per non-empty leaf element, at most, for a data-like document.
    static let maxMeanLeafBytes = 200

    let root: xmlNodePtr

    static func isDataLike(_ root: xmlNodePtr) -> Bool {
        var hasChildElements = false
        var dataLike = true
        var leaves = 0
        var leafBytes = 0
        LibXML.walk(
            root,
            enter: { node in
                guard dataLike, node.isElement else { return false }
                hasChildElements = true
                if let role = StructuredXMLWalker.roles[node.localName], role != .inline {
                    dataLike = false
                    return false
                }
                let content = shape(of: node)
                if content.text && content.elements { dataLike = false }
                if content.text && !content.elements {
                    leaves += 1
                    leafBytes += LibXML.text(of: node).utf8.count
                }
                return content.elements
            },
            exit: { _ in })
        guard dataLike, hasChildElements, shape(of: root).text == false else { return false }
        return leaves == 0 || leafBytes / leaves <= maxMeanLeafBytes
    }

    func extract() -> (title: String?, text: String) {
        var builder = TextBlockBuilder()
        if let line = Self.line(for: root, withText: false) {
            builder.appendText(line)
            builder.breakBlock()
        }
        // Leaf children of the root share one block; each container child is a block of its own.
        var leafBlockOpen = false
        LibXML.walk(
            root,
            enter: { node in
                guard node.isElement else { return false }
                let leaf = !Self.shape(of: node).elements
                var depth = 0
                var parent = node.pointee.parent
                while let p = parent, p != root {
                    depth += 1
                    parent = p.pointee.parent
                }
                if depth == 0 {
                    if !leaf || !leafBlockOpen {
                        if leafBlockOpen { builder.endGroup() }
                        builder.breakBlock()
                        builder.beginGroup()
                    }
                    leafBlockOpen = leaf
                }
                builder.startLine(prefix: String(repeating: "  ", count: depth))
                builder.appendText(Self.line(for: node, withText: leaf) ?? node.localName)
                return !leaf
            },
            exit: { node in
                if node != root, node.pointee.parent == root { builder.endGroup() }
            })
        return (nil, builder.finish())
    }

    /// `name (a: 1, b: 2): text`, without the parts that are empty; nil for an element with
    /// neither attributes nor (when asked for) text.
    private static func line(for node: xmlNodePtr, withText: Bool) -> String? {
        var line = node.localName
        var attributes: [String] = []
        var attribute = node.pointee.properties
        while let a = attribute {
            if let name = a.pointee.name {
                attributes.append("\(String(cString: name)): \(node.attribute(String(cString: name)) ?? "")")
            }
            attribute = a.pointee.next
        }
        if !attributes.isEmpty { line += " (" + attributes.joined(separator: ", ") + ")" }
        if withText {
            let text = LibXML.text(of: node)
            if !text.isEmpty { line += ": " + text }
        }
        return line == node.localName && !withText ? nil : line
    }

    /// Whether an element has non-whitespace text, and whether it has child elements.
    private static func shape(of node: xmlNodePtr) -> (text: Bool, elements: Bool) {
        var text = false
        var elements = false
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE: elements = true
            case XML_ENTITY_REF_NODE: text = true
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if var p = c.pointee.content {
                    while p.pointee != 0 {
                        let b = p.pointee
                        if b != 0x20 && b != 0x0A && b != 0x09 && b != 0x0D {
                            text = true
                            break
                        }
                        p += 1
                    }
                }
            default: break
            }
            child = c.pointee.next
        }
        return (text, elements)
    }
}
