/// Normalises decoded plain text: line endings to `\n`, control characters removed, paragraphs
/// separated by exactly one blank line, whitespace inside a paragraph collapsed to single spaces.
///
/// Line structure survives where it carries meaning: lines that start with a list marker stay on
/// their own line, and indented blocks (four spaces or a tab) and Markdown fenced code blocks are
/// kept verbatim.
enum TextNormalizer {
    static func normalize(_ text: String) -> String {
        var paragraphs: [String] = []
        var current: [String] = []  // lines of the paragraph being collected
        var fence: [String]?  // lines of an open ``` block

        func flush() {
            guard !current.isEmpty else { return }
            if current.allSatisfy({ $0.hasPrefix("    ") || $0.hasPrefix("\t") }) {
                paragraphs.append(current.joined(separator: "\n"))
            } else {
                var lines: [String] = []
                for line in current {
                    let collapsed = collapse(line)
                    if collapsed.isEmpty { continue }
                    if let last = lines.last, !startsWithListMarker(collapsed) {
                        lines[lines.count - 1] = last + " " + collapsed
                    } else {
                        lines.append(collapsed)
                    }
                }
                if !lines.isEmpty { paragraphs.append(lines.joined(separator: "\n")) }
            }
            current.removeAll()
        }

        for rawLine in lines(of: text) {
            let line = stripTrailingWhitespace(rawLine)
            let trimmedStart = line.drop(while: { $0 == " " })
            let isFence = trimmedStart.hasPrefix("```") || trimmedStart.hasPrefix("~~~")
            if var open = fence {
                open.append(line)
                if isFence {
                    paragraphs.append(open.joined(separator: "\n"))
                    fence = nil
                } else {
                    fence = open
                }
                continue
            }
            if isFence {
                flush()
                fence = [line]
                continue
            }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                flush()
            } else {
                current.append(line)
            }
        }
        if let open = fence { paragraphs.append(open.joined(separator: "\n")) }
        flush()
        return paragraphs.joined(separator: "\n\n")
    }

    /// Lines split at `\n`, `\r\n`, `\r`, U+2028, U+2029 and form feed, with other C0 and C1
    /// control characters removed (tab kept).
    static func lines(of text: String) -> [String] {
        var result: [String] = []
        var line = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0x0A && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = v == 0x0D
            switch v {
            case 0x0A, 0x0D, 0x2028, 0x2029:
                result.append(String(line))
                line = String.UnicodeScalarView()
            case 0x0C:
                result.append(String(line))
                result.append("")
                line = String.UnicodeScalarView()
            case 0x09: line.append(scalar)
            case 0x00...0x1F, 0x7F...0x9F: continue
            default: line.append(scalar)
            }
        }
        result.append(String(line))
        return result
    }

    /// Runs of spaces, tabs and no-break spaces become one space; ends trimmed.
    static func collapse(_ line: String) -> String {
        var out = ""
        out.reserveCapacity(line.utf8.count)
        var pendingSpace = false
        for ch in line {
            if ch == " " || ch == "\t" || ch == "\u{00A0}" {
                pendingSpace = true
            } else {
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out
    }

    private static func stripTrailingWhitespace(_ line: String) -> String {
        var s = Substring(line)
        while let last = s.last, last == " " || last == "\t" || last == "\u{00A0}" { s.removeLast() }
        return String(s)
    }

    /// `- `, `* `, `+ `, `• `, `1. `, `1) `.
    static func startsWithListMarker(_ line: String) -> Bool {
        if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") || line.hasPrefix("• ") { return true }
        let digits = line.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 3 else { return false }
        let rest = line.dropFirst(digits.count)
        return rest.hasPrefix(". ") || rest.hasPrefix(") ")
    }
}
