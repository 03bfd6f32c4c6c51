internal import CLibXML2

/// Document XML (DocBook 4/5, Mallard, TEI, and vocabularies it has never seen) → headed
/// paragraphs, lists and tables as lines, verbatim program listings.
///
/// Known element names (matched by local name, any namespace) say what an element is. For the
/// rest, mixed content decides: an unknown element inside a parent that has text of its own is
/// inline (`<para>Run <foo>x</foo> now</para>`), otherwise it is a block.
struct StructuredXMLWalker {
    enum Role: Equatable {
        case drop
        /// Metadata container: only its `title` is kept, as a heading.
        case info
        case heading
        case block
        case list(ordered: Bool)
        case listItem
        case table
        case row
        case cell
        case preformatted
        case lineBreak
        case inline
        /// Decided by mixed content.
        case unknown
    }

    let root: xmlNodePtr

    func extract() -> (title: String?, text: String) {
        var builder = TextBlockBuilder()
        var roles: [Role] = []
        var lists: [(ordered: Bool, count: Int)] = []
        LibXML.walk(
            root,
            enter: { node in
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = node.pointee.content { builder.appendText(content) }
                    return false
                case XML_ELEMENT_NODE:
                    if Self.isKeyAfterKey(node) { builder.appendText("+") }
                    let role = resolvedRole(of: node)
                    switch role {
                    case .drop: return false
                    case .info:
                        if let title = Self.child(of: node, named: "title") {
                            builder.breakBlock()
                            builder.appendText(LibXML.text(of: title))
                            builder.breakBlock()
                        }
                        return false
                    case .preformatted:
                        builder.appendPreformatted(HTMLContentWalker.rawText(of: node))
                        return false
                    case .heading, .block: builder.breakBlock()
                    case .list(let ordered):
                        builder.beginGroup()
                        lists.append((ordered, 0))
                    case .listItem:
                        var prefix = String(repeating: "  ", count: max(lists.count - 1, 0))
                        if let last = lists.indices.last {
                            lists[last].count += 1
                            prefix += lists[last].ordered ? "\(lists[last].count). " : "- "
                        } else {
                            prefix += "- "
                        }
                        builder.startLine(prefix: prefix)
                    case .table: builder.beginGroup()
                    case .row: builder.startLine()
                    case .cell: builder.separateCell()
                    case .lineBreak: builder.breakLine()
                    case .inline, .unknown: break
                    }
                    roles.append(role)
                    return true
                default:
                    return false  // comments, processing instructions, entity references
                }
            },
            exit: { node in
                guard node != root else { return }
                switch roles.removeLast() {
                case .heading, .block: builder.breakBlock()
                case .list:
                    builder.endGroup()
                    lists.removeLast()
                case .table: builder.endGroup()
                default: break
                }
            })
        return (title(), builder.finish())
    }

    /// The title of the document: the root's `title`, or the `title` in its info element
    /// (`info`, `bookinfo`, `articleinfo`, TEI `teiHeader/fileDesc/titleStmt`).
    private func title() -> String? {
        if let t = Self.child(of: root, named: "title") { return nonEmpty(LibXML.text(of: t)) }
        var child = root.pointee.children
        while let c = child {
            if c.isElement {
                let name = c.localName
                if name == "info" || name.hasSuffix("info"), let t = Self.child(of: c, named: "title") {
                    return nonEmpty(LibXML.text(of: t))
                }
                if name == "teiHeader", let file = Self.child(of: c, named: "fileDesc"),
                    let stmt = Self.child(of: file, named: "titleStmt"), let t = Self.child(of: stmt, named: "title")
                {
                    return nonEmpty(LibXML.text(of: t))
                }
            }
            child = c.pointee.next
        }
        return nil
    }

    private func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }

    static func child(of node: xmlNodePtr, named name: String) -> xmlNodePtr? {
        var child = node.pointee.children
        while let c = child {
            if c.isElement, c.localName == name { return c }
            child = c.pointee.next
        }
        return nil
    }

    /// The role of `node`, with context rules applied.
    private func resolvedRole(of node: xmlNodePtr) -> Role {
        let name = node.localName
        if node.namespaceURI == "http://www.w3.org/2005/11/its" { return .drop }  // ITS translation rules
        let parentName = node.pointee.parent.map { $0.isElement ? $0.localName : "" } ?? ""
        var role = Self.roles[name] ?? .unknown
        switch name {
        case "listitem" where parentName == "varlistentry": role = .block  // DocBook definition body
        case "item" where parentName == "terms": role = .block  // Mallard definition list
        case "code" where !Self.hasOwnText(node.pointee.parent): role = .preformatted  // Mallard block code
        case "list":
            role = .list(ordered: node.attribute("type") == "numbered" || node.attribute("type") == "ordered")
        default: break
        }
        if role == .unknown { role = Self.hasOwnText(node.pointee.parent) ? .inline : .block }
        return role
    }

    /// A key after another inside a key combination (DocBook `keycombo`, Mallard `keyseq`): the
    /// renderers show `Ctrl+C`, so the text gets the `+` too.
    private static func isKeyAfterKey(_ node: xmlNodePtr) -> Bool {
        guard let parent = node.pointee.parent, parent.isElement, ["keyseq", "keycombo"].contains(parent.localName)
        else { return false }
        var previous = node.pointee.prev
        while let p = previous {
            if p.isElement { return true }
            previous = p.pointee.prev
        }
        return false
    }

    /// Whether an element has non-whitespace text children of its own (mixed content).
    private static func hasOwnText(_ node: xmlNodePtr?) -> Bool {
        guard let node else { return false }
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_TEXT_NODE || c.pointee.type == XML_CDATA_SECTION_NODE, var p = c.pointee.content {
                while p.pointee != 0 {
                    let b = p.pointee
                    if b != 0x20 && b != 0x0A && b != 0x09 && b != 0x0D { return true }
                    p += 1
                }
            }
            child = c.pointee.next
        }
        return false
    }

    /// DocBook 4/5 ("DocBook: The Definitive Guide" element reference), Mallard 1.0
    /// (projectmallard.org/1.0), TEI P5, and the XHTML names that appear inside them.
    static let roles: [String: Role] = {
        var t: [String: Role] = [:]
        func set(_ role: Role, _ names: String) {
            for n in names.split(separator: " ") { t[String(n)] = role }
        }
        set(
            .drop,
            "indexterm remark comment revhistory titleabbrev links its:rules rules teiHeader facs graphic imagedata imageobject textobject videoobject audioobject script style"
        )
        set(
            .info,
            "info bookinfo articleinfo chapterinfo appendixinfo prefaceinfo partinfo sectioninfo sect1info sect2info sect3info sect4info sect5info refentryinfo refsect1info refsect2info refsect3info refsectioninfo setinfo referenceinfo glossaryinfo bibliographyinfo indexinfo docinfo"
        )
        set(.heading, "title subtitle bridgehead refentrytitle head refname")
        set(
            .block,
            "para simpara formalpara p section sect1 sect2 sect3 sect4 sect5 simplesect chapter appendix preface article book part reference refentry refsect1 refsect2 refsect3 refsection refnamediv refsynopsisdiv refpurpose note tip warning caution important example informalexample figure informalfigure blockquote abstract epigraph sidebar glossary glossentry glossdef qandaset qandaentry question answer page div body front back text lg l caption variablelist varlistentry term terms synopsis-block dedication colophon legalnotice partintro msgset msgentry address literallayout-block"
        )
        set(.list(ordered: false), "itemizedlist simplelist segmentedlist")
        set(.list(ordered: true), "orderedlist procedure steps substeps stepalternatives")
        set(.listItem, "listitem member item step seglistitem")
        set(.table, "table informaltable tgroup entrytbl")
        set(.row, "row tr")
        set(.cell, "entry td th cell")
        set(.preformatted, "programlisting screen literallayout synopsis funcsynopsisinfo cmdsynopsis-pre pre eg")
        set(.lineBreak, "sbr lb br")
        set(
            .inline,
            "emphasis literal command option filename replaceable link ulink xref olink application guilabel guimenu guimenuitem guibutton guisubmenu guiicon keycap keycombo keysym menuchoice shortcut userinput computeroutput systemitem envar varname function parameter classname constant type structname structfield markup tag sgmltag firstterm glossterm citetitle citerefentry manvolnum acronym abbrev trademark productname productnumber phrase email uri foreignphrase wordasword footnote footnoteref inlinemediaobject inlinegraphic subscript superscript errorcode errorname returnvalue prompt property symbol token database hardware interface exceptionname methodname package literal anchor app cmd gui guiseq key keyseq file em sys var span input output hi name date ref ptr foreign quote mentioned soCalled term-inline emph q a b i u code tt strong sup sub"
        )
        return t
    }()
}
