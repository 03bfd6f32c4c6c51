/// Measures how deeply YAML text nests, without parsing it, so that a pipeline file or a `--set`
/// value nested too deeply is refused before Yams sees it: Yams composes nodes recursively, and
/// 10,000 `[` or 5,000 indented levels overflowed the stack (issue 16 item 2).
///
/// One pass over the lines, no recursion. The depth counted at each point is the open flow
/// collections (`[`, `{` where a value starts) plus the block levels of the line: the distinct
/// indentation columns still open above it and each `- ` entry marker. That is never less than
/// the nesting Yams builds. Quoted scalars, comments and the lines of block scalars (`|`, `>`)
/// are skipped, so brackets or indentation inside text do not count.
enum YAMLNesting {
    /// Deepest nesting accepted; a pipeline file needs 4.
    static let limit = 64

    /// The 1-based line where the nesting first goes beyond `limit`, or nil.
    static func lineBeyondLimit(in text: String, limit: Int = limit) -> Int? {
        var scanner = Scanner()
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if scanner.scan(Array(line)) > limit { return lineNumber }
        }
        return nil
    }

    private struct Scanner {
        /// Columns of the block nodes open above the current line.
        var columns: [Int] = []
        var flowDepth = 0
        /// Inside a quoted scalar that continues on the next line.
        var quote: UInt8?
        /// Content lines of a block scalar are those indented more than this.
        var blockScalarParent: Int?

        /// Scans one line; returns the deepest nesting seen on it.
        mutating func scan(_ line: [UInt8]) -> Int {
            var end = line.count
            if end > 0, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            var p = 0
            while p < end, line[p] == UInt8(ascii: " ") { p += 1 }
            let indent = p
            let blank = p == end || line[p] == UInt8(ascii: "#")
            /// The column of the node a block scalar on this line belongs to.
            var node = indent
            if let parent = blockScalarParent {
                if blank || indent > parent { return columns.count }
                blockScalarParent = nil
            }
            if quote == nil, flowDepth == 0 {
                if blank { return columns.count }
                if indent == 0, line[0..<end].starts(with: "---".utf8) || line[0..<end].starts(with: "...".utf8) {
                    columns.removeAll()
                    return 0
                }
                while let last = columns.last, last >= indent { columns.removeLast() }
                columns.append(indent)
                // Each `- ` entry marker opens one more level; so does the content after it.
                while p < end, line[p] == UInt8(ascii: "-"), p + 1 == end || Self.isSpace(line[p + 1]) {
                    node = p
                    p += 1
                    while p < end, Self.isSpace(line[p]) { p += 1 }
                    if p < end, line[p] != UInt8(ascii: "#") { columns.append(p) }
                }
            }
            var deepest = columns.count + flowDepth
            var atValueStart = quote == nil
            var previous: UInt8 = UInt8(ascii: " ")
            while p < end {
                let c = line[p]
                defer {
                    previous = c
                    p += 1
                }
                if let q = quote {
                    if q == UInt8(ascii: "\""), c == UInt8(ascii: "\\") {
                        p += 1  // skip the escaped character
                    } else if c == q {
                        if q == UInt8(ascii: "'"), p + 1 < end, line[p + 1] == q {
                            p += 1  // '' inside single quotes
                        } else {
                            quote = nil
                            atValueStart = false
                        }
                    }
                    continue
                }
                if c == UInt8(ascii: "#"), Self.isSpace(previous) { break }
                let tokenStart = Self.isSpace(previous) || (flowDepth > 0 && Self.isFlowPunctuation(previous))
                if flowDepth > 0 {
                    switch c {
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flowDepth += 1
                        deepest = max(deepest, columns.count + flowDepth)
                    case UInt8(ascii: "]"), UInt8(ascii: "}"):
                        flowDepth = max(0, flowDepth - 1)
                        if flowDepth == 0 { atValueStart = false }
                    case UInt8(ascii: "\""), UInt8(ascii: "'"):
                        if tokenStart { quote = c }
                    default: break
                    }
                    continue
                }
                if Self.isSpace(c) { continue }
                if atValueStart {
                    switch c {
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flowDepth = 1
                        deepest = max(deepest, columns.count + flowDepth)
                        continue
                    case UInt8(ascii: "\""), UInt8(ascii: "'"):
                        quote = c
                        continue
                    case UInt8(ascii: "|"), UInt8(ascii: ">"):
                        blockScalarParent = node
                        return deepest
                    case UInt8(ascii: "!"), UInt8(ascii: "&"):
                        // A tag or anchor: the value still follows.
                        while p + 1 < end, !Self.isSpace(line[p + 1]) { p += 1 }
                        continue
                    default: break
                    }
                }
                // A plain scalar; `key: ` makes what follows a value again.
                atValueStart = c == UInt8(ascii: ":") && (p + 1 == end || Self.isSpace(line[p + 1]))
            }
            return deepest
        }

        static func isSpace(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }

        static func isFlowPunctuation(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "[") || c == UInt8(ascii: "{") || c == UInt8(ascii: ",") || c == UInt8(ascii: ":")
        }
    }
}
