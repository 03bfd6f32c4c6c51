internal import CLibXML2

/// Turns an HTML (or XHTML) element tree into a title and paragraphs of main-content text.
///
/// Three passes over the tree, none recursive:
/// 1. statistics: for every element, bytes of plain text and of link text, ignoring dropped and
///    hidden subtrees;
/// 2. the content root: the first `<main>` (or `role="main"`) holding a fair share of the text,
///    else a single `<article>`, else `<body>`;
/// 3. rendering under that root, skipping link-dense blocks and blocks whose class or id names
///    navigation (the "densest text over link-heavy navigation" rule; link density as in
///    Kohlschütter et al., "Boilerplate detection using shallow text features", WSDM 2010).
///    If link-density pruning leaves under a quarter of the text, the page *is* its links (an
///    index page), and it is rendered again with only the navigation-named blocks removed.
struct HTMLContentWalker {
    /// Text and link-text byte counts of one subtree (whitespace not counted).
    struct Stats {
        var text = 0
        var link = 0
        var total: Int { text + link }
    }

    let root: xmlNodePtr

    func extract() -> (title: String?, text: String) {
        var body: xmlNodePtr = root
        var title: String?
        if root.localName.lowercased() == "html" {
            var child = root.pointee.children
            while let c = child {
                if c.isElement {
                    switch c.localName.lowercased() {
                    case "head": title = findTitle(in: c)
                    case "body": body = c
                    default: break
                    }
                }
                child = c.pointee.next
            }
        }
        let survey = surveyTree(body)
        let contentRoot = chooseContentRoot(body: body, survey: survey)
        let available = survey.stats[contentRoot]?.total ?? 0
        var text = render(from: contentRoot, stats: survey.stats, pruneLinkDense: true)
        if text.utf8.count * 4 < available {
            let unpruned = render(from: contentRoot, stats: survey.stats, pruneLinkDense: false)
            if text.utf8.count * 4 < unpruned.utf8.count { text = unpruned }
        }
        if title == nil || title?.isEmpty == true, let h1 = survey.firstH1 {
            title = LibXML.text(of: h1)
        }
        return (title.flatMap { $0.isEmpty ? nil : $0 }, text)
    }

    private func findTitle(in head: xmlNodePtr) -> String? {
        var child = head.pointee.children
        while let c = child {
            if c.isElement, c.localName.lowercased() == "title" { return LibXML.text(of: c) }
            child = c.pointee.next
        }
        return nil
    }

    // MARK: Pass 1: statistics

    struct Survey {
        var stats: [xmlNodePtr: Stats] = [:]
        var mains: [xmlNodePtr] = []
        var articles: [xmlNodePtr] = []
        var firstH1: xmlNodePtr?
    }

    private func surveyTree(_ body: xmlNodePtr) -> Survey {
        var survey = Survey()
        // One accumulator per open element; a finished element adds its counts to its parent's.
        var stack: [Stats] = [Stats()]
        var linkDepth = 0
        var contentDepth = 0
        var kinds: [(isLink: Bool, isContent: Bool)] = []
        LibXML.walk(
            body,
            enter: { node in
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    let n = Self.visibleByteCount(node.pointee.content)
                    if linkDepth > 0 { stack[stack.count - 1].link += n } else { stack[stack.count - 1].text += n }
                    return false
                case XML_ELEMENT_NODE:
                    let name = node.localName  // the HTML parser lowercases names; XHTML is lowercase
                    let role = HTMLElementRole.of(name)
                    let attributes = HTMLElementAttributes(node)
                    if skip(role: role, attributes: attributes, insideContent: contentDepth > 0) { return false }
                    let isContent = name == "article" || name == "main" || attributes.role == "main"
                    if name == "main" || attributes.role == "main" { survey.mains.append(node) }
                    if name == "article" { survey.articles.append(node) }
                    if name == "h1", survey.firstH1 == nil { survey.firstH1 = node }
                    let isLink = name == "a" && attributes.isLink
                    if isLink { linkDepth += 1 }
                    if isContent { contentDepth += 1 }
                    kinds.append((isLink, isContent))
                    stack.append(Stats())
                    return true
                default:
                    return false
                }
            },
            exit: { node in
                guard node != body else { return }
                let finished = stack.removeLast()
                survey.stats[node] = finished
                stack[stack.count - 1].text += finished.text
                stack[stack.count - 1].link += finished.link
                let kind = kinds.removeLast()
                if kind.isLink { linkDepth -= 1 }
                if kind.isContent { contentDepth -= 1 }
            })
        survey.stats[body] = stack[0]
        return survey
    }

    /// Bytes of a text node that are not ASCII whitespace.
    private static func visibleByteCount(_ text: UnsafePointer<UInt8>?) -> Int {
        guard var p = text else { return 0 }
        var n = 0
        while p.pointee != 0 {
            let b = p.pointee
            if b != 0x20 && b != 0x0A && b != 0x09 && b != 0x0D { n += 1 }
            p += 1
        }
        return n
    }

    private func skip(role: HTMLElementRole, attributes: HTMLElementAttributes, insideContent: Bool) -> Bool {
        if role == .drop { return true }
        if role == .chrome, !insideContent { return true }
        if attributes.hidden || attributes.isScreenReaderOnly { return true }
        if let r = attributes.role, HTMLElementAttributes.chromeRoles.contains(r) { return true }
        return false
    }

    // MARK: Pass 2: the content root

    private func chooseContentRoot(body: xmlNodePtr, survey: Survey) -> xmlNodePtr {
        let bodyText = survey.stats[body]?.text ?? 0
        for main in survey.mains {
            if let s = survey.stats[main], s.total > 0, s.text * 4 >= bodyText { return main }
        }
        if survey.articles.count == 1, let article = survey.articles.first, let s = survey.stats[article],
            s.text * 4 >= bodyText
        {
            return article
        }
        return body
    }

    // MARK: Pass 3: rendering

    private func isBoilerplate(
        _ node: xmlNodePtr, role: HTMLElementRole, attributes: HTMLElementAttributes, stats: [xmlNodePtr: Stats],
        linkDense: Bool
    ) -> Bool {
        switch role {
        case .block, .list, .table, .listItem, .row, .chrome: break
        default: return false
        }
        if attributes.looksLikeChrome { return true }
        guard linkDense, let s = stats[node], s.link > 0 else { return false }
        return s.link > s.text
    }

    private func render(from contentRoot: xmlNodePtr, stats: [xmlNodePtr: Stats], pruneLinkDense: Bool) -> String {
        var builder = TextBlockBuilder()
        var roles: [HTMLElementRole] = []
        /// (ordered, items so far) per open list.
        var lists: [(ordered: Bool, count: Int)] = []
        // Rendering from an <article> or <main> root: its own header and footer are content.
        var contentDepth = Self.isContentElement(contentRoot) ? 1 : 0
        var contentFlags: [Bool] = []
        LibXML.walk(
            contentRoot,
            enter: { node in
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = node.pointee.content { builder.appendText(content) }
                    return false
                case XML_ELEMENT_NODE:
                    let name = node.localName  // the HTML parser lowercases names; XHTML is lowercase
                    let role = HTMLElementRole.of(name)
                    let attributes = HTMLElementAttributes(node)
                    if skip(role: role, attributes: attributes, insideContent: contentDepth > 0) { return false }
                    if node != contentRoot,
                        isBoilerplate(node, role: role, attributes: attributes, stats: stats, linkDense: pruneLinkDense)
                    {
                        return false
                    }
                    if name == "a", isPermalink(node, attributes: attributes) { return false }
                    switch role {
                    case .heading, .block, .chrome: builder.breakBlock()
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
                    case .preformatted:
                        builder.appendPreformatted(Self.rawText(of: node))
                        return false
                    case .lineBreak: builder.breakLine()
                    case .drop, .inline: break
                    }
                    let isContent = name == "article" || name == "main" || attributes.role == "main"
                    if isContent { contentDepth += 1 }
                    contentFlags.append(isContent)
                    roles.append(role)
                    return true
                default:
                    return false
                }
            },
            exit: { node in
                guard node != contentRoot else { return }
                let role = roles.removeLast()
                if contentFlags.removeLast() { contentDepth -= 1 }
                switch role {
                case .heading, .block, .chrome: builder.breakBlock()
                case .list:
                    builder.endGroup()
                    lists.removeLast()
                case .table: builder.endGroup()
                default: break
                }
            })
        return builder.finish()
    }

    private static func isContentElement(_ node: xmlNodePtr) -> Bool {
        let name = node.localName.lowercased()
        return name == "article" || name == "main" || node.attribute("role")?.lowercased() == "main"
    }

    /// A heading's self-link such as Sphinx's `¶` or a `#`: an in-page link whose text is one or two
    /// non-alphanumeric characters.
    private func isPermalink(_ node: xmlNodePtr, attributes: HTMLElementAttributes) -> Bool {
        if attributes.classAndID.utf8Contains("headerlink") { return true }
        guard let href = node.attribute("href"), href.hasPrefix("#") else { return false }
        let text = LibXML.text(of: node)
        return !text.isEmpty && text.count <= 2 && !text.contains(where: { $0.isLetter || $0.isNumber })
    }

    /// The text under a `<pre>`, verbatim; `<br>` becomes a line break.
    static func rawText(of node: xmlNodePtr) -> [UInt8] {
        var out: [UInt8] = []
        LibXML.walk(
            node,
            enter: { n in
                switch n.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if var p = n.pointee.content {
                        while p.pointee != 0 {
                            out.append(p.pointee)
                            p += 1
                        }
                    }
                    return false
                case XML_ELEMENT_NODE:
                    if n.localName == "br" { out.append(0x0A) }
                    return true
                default: return false
                }
            }, exit: { _ in })
        return out
    }
}
