internal import CLibXML2

/// What an HTML element means for text extraction.
enum HTMLElementRole: Equatable {
    /// Never text for a reader: scripts, styles, navigation, forms, embedded graphics.
    case drop
    /// `<header>` and `<footer>`: page chrome at page level, kept inside `<article>`/`<main>`.
    case chrome
    case heading
    /// Starts and ends a paragraph.
    case block
    case list(ordered: Bool)
    case listItem
    case table
    case row
    case cell
    /// Kept verbatim.
    case preformatted
    case lineBreak
    case inline

    /// HTML Living Standard element names; anything unlisted is inline.
    static func of(_ name: String) -> HTMLElementRole {
        roleTable[name] ?? .inline
    }

    private static let roleTable: [String: HTMLElementRole] = {
        var t: [String: HTMLElementRole] = [:]
        for name in [
            "script", "style", "noscript", "template", "svg", "math", "nav", "aside", "form", "iframe", "frame",
            "frameset", "object", "embed", "canvas", "button", "select", "textarea", "input", "option", "datalist",
            "dialog", "map", "audio", "video", "source", "track", "picture", "img", "head", "link", "meta", "base",
            "title",
        ] { t[name] = .drop }
        for name in ["header", "footer"] { t[name] = .chrome }
        for name in ["h1", "h2", "h3", "h4", "h5", "h6"] { t[name] = .heading }
        for name in [
            "p", "div", "section", "article", "main", "blockquote", "address", "figure", "figcaption", "center",
            "details", "summary", "hgroup", "fieldset", "legend", "caption", "body", "html", "dl", "dt", "dd", "hr",
            "search",
        ] { t[name] = .block }
        for name in ["ul", "menu", "dir"] { t[name] = .list(ordered: false) }
        t["ol"] = .list(ordered: true)
        t["li"] = .listItem
        t["table"] = .table
        t["tr"] = .row
        for name in ["td", "th"] { t[name] = .cell }
        for name in ["pre", "listing", "xmp", "plaintext"] { t[name] = .preformatted }
        t["br"] = .lineBreak
        return t
    }()
}

/// The attributes of one element that extraction looks at, read in one pass.
struct HTMLElementAttributes {
    var hidden = false
    var role: String?
    var classAndID = ""
    var isLink = false

    init(_ node: xmlNodePtr) {
        var attr = node.pointee.properties
        while let a = attr {
            attr = a.pointee.next
            // Only names starting with a, c, h, i, r or s matter; skip the rest without a String.
            guard let rawName = a.pointee.name, [0x61, 0x63, 0x68, 0x69, 0x72, 0x73].contains(rawName.pointee) else {
                continue
            }
            let name = String(cString: rawName)
            switch name {
            case "hidden": hidden = true
            case "aria-hidden": hidden = hidden || Self.value(a).lowercased().trimmingASCIIWhitespace() == "true"
            case "style":
                let style = Self.value(a).lowercased().filter { $0 != " " && $0 != "\t" && $0 != "\n" }
                if style.utf8Contains("display:none") || style.utf8Contains("visibility:hidden") { hidden = true }
            case "role": role = Self.value(a).lowercased().trimmingASCIIWhitespace()
            case "class", "id": classAndID += " " + Self.value(a).lowercased()
            case "href": isLink = true
            default: break
            }
        }
    }

    private static func value(_ attr: UnsafeMutablePointer<xmlAttr>) -> String {
        var value = ""
        var child = attr.pointee.children
        while let c = child {
            if let content = c.pointee.content { value += String(cString: content) }
            child = c.pointee.next
        }
        return value
    }

    /// ARIA landmark roles of page chrome (WAI-ARIA 1.2 §5.3.4).
    static let chromeRoles: Set<String> = [
        "navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "toolbar", "dialog",
        "alertdialog", "tablist",
    ]

    /// Whether a class or id names navigation-like chrome: a word part such as `nav`, `menu`,
    /// `sidebar`, `breadcrumb`, `toc`, `footer`, or one that starts or ends with `nav` (`docnav`,
    /// `navheader`). Word parts are split at spaces, `-` and `_`.
    var looksLikeChrome: Bool {
        guard !classAndID.isEmpty else { return false }
        for part in classAndID.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "_" || $0 == "\t" }) {
            if Self.chromeWords.contains(String(part)) || part.hasPrefix("nav") || part.hasSuffix("nav") { return true }
        }
        return false
    }

    private static let chromeWords: Set<String> = [
        "menu", "menubar", "sidebar", "sphinxsidebar", "breadcrumb", "breadcrumbs", "toc", "toctree", "related",
        "footer", "banner", "skip", "pagination", "pager", "share", "social", "cookie", "cookies", "masthead",
    ]

    /// Screen-reader-only text ("Skip to content"): `sr-only`, `visually-hidden`, `screen-reader-text`.
    var isScreenReaderOnly: Bool {
        !classAndID.isEmpty
            && (classAndID.utf8Contains("sr-only") || classAndID.utf8Contains("visually-hidden")
                || classAndID.utf8Contains("screen-reader-text"))
    }
}

extension String {
    /// Substring search on UTF-8 bytes (Foundation's `contains` is slow on Linux and showed at
    /// the top of the extraction profile).
    func utf8Contains(_ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first else { return true }
        var haystack = self
        return haystack.withUTF8 { h in
            guard h.count >= n.count else { return false }
            var i = 0
            while i <= h.count - n.count {
                if h[i] == first {
                    var k = 1
                    while k < n.count, h[i + k] == n[k] { k += 1 }
                    if k == n.count { return true }
                }
                i += 1
            }
            return false
        }
    }
}
