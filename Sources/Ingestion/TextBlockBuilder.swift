/// Assembles extracted text: paragraphs separated by one blank line with whitespace collapsed
/// inside them, list and table groups as consecutive lines, preformatted blocks kept verbatim.
///
/// Works on UTF-8 bytes straight from libxml2's nodes, so extraction does not build a Swift
/// `String` per text node. Control characters (C0 except whitespace, DEL, C1) are dropped and
/// U+00A0 NO-BREAK SPACE counts as whitespace.
struct TextBlockBuilder {
    private var output: [UInt8] = []
    private var line: [UInt8] = []
    /// Whether `line` holds more than a list marker.
    private var lineHasContent = false
    private var pendingSpace = false
    private var pendingCellSeparator = false
    /// Lines of the outermost open group, joined by "\n".
    private var groupLines: [UInt8] = []
    private(set) var groupDepth = 0

    /// Bytes of text emitted so far (for the link-density fallback).
    var byteCount: Int { output.count + groupLines.count + line.count }

    /// Appends inline text from a NUL-terminated UTF-8 string, collapsing whitespace.
    mutating func appendText(_ text: UnsafePointer<UInt8>) {
        var p = text
        while p.pointee != 0 {
            let b = p.pointee
            if b == 0xC2 {
                let next = p[1]
                if next == 0xA0 {  // NO-BREAK SPACE
                    pendingSpace = true
                    p += 2
                    continue
                }
                if next >= 0x80 && next <= 0x9F {  // C1 control
                    p += 2
                    continue
                }
            }
            appendByte(b)
            p += 1
        }
    }

    /// Appends inline text from a Swift string.
    mutating func appendText(_ text: String) {
        var copy = text
        copy.withUTF8 { buffer in
            var bytes = Array(buffer)
            bytes.append(0)
            bytes.withUnsafeBufferPointer { appendText($0.baseAddress!) }
        }
    }

    @inline(__always)
    private mutating func appendByte(_ b: UInt8) {
        if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C {
            pendingSpace = true
            return
        }
        if b < 0x20 || b == 0x7F { return }
        if lineHasContent {
            if pendingCellSeparator {
                line.append(contentsOf: [0x20, 0x7C, 0x20])  // " | "
            } else if pendingSpace {
                line.append(0x20)
            }
        }
        pendingSpace = false
        pendingCellSeparator = false
        lineHasContent = true
        line.append(b)
    }

    /// Ends the current paragraph. Inside a list or table it only separates words, so an item's
    /// paragraphs stay on the item's line.
    mutating func breakBlock() {
        if groupDepth > 0 {
            pendingSpace = true
        } else {
            flushLine()
        }
    }

    /// A soft break: whitespace between words (`<br>`).
    mutating func breakLine() { pendingSpace = true }

    /// Starts a list or table: its items and rows become consecutive lines of one block.
    mutating func beginGroup() {
        flushLine()
        groupDepth += 1
    }

    mutating func endGroup() {
        flushLine()
        guard groupDepth > 0 else { return }
        groupDepth -= 1
        if groupDepth == 0, !groupLines.isEmpty {
            appendBlock(groupLines)
            groupLines.removeAll(keepingCapacity: true)
        }
    }

    /// Starts a new line in the open group (a list item or table row), with a marker like "- ".
    mutating func startLine(prefix: String = "") {
        flushLine()
        line.append(contentsOf: prefix.utf8)
    }

    /// Separates table cells on the current line with " | " (empty cells leave no separator).
    mutating func separateCell() {
        if lineHasContent { pendingCellSeparator = true }
    }

    /// Appends a preformatted block: line breaks and indentation kept, trailing spaces and blank
    /// lines at either end removed. Inside a group (code in a list item) its lines join the
    /// group's lines; text after it continues on a new line.
    mutating func appendPreformatted(_ bytes: [UInt8]) {
        flushLine()
        var lines: [[UInt8]] = [[]]
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D {
                lines.append([])
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
            } else if b == 0x0A {
                lines.append([])
            } else if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] == 0xA0 {
                lines[lines.count - 1].append(0x20)
                i += 1
            } else if b >= 0x20 || b == 0x09 {
                if b != 0x7F { lines[lines.count - 1].append(b) }
            }
            i += 1
        }
        for k in lines.indices {
            while let last = lines[k].last, last == 0x20 || last == 0x09 { lines[k].removeLast() }
        }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { return }
        var block: [UInt8] = []
        for (k, l) in lines.enumerated() {
            if k > 0 { block.append(0x0A) }
            block.append(contentsOf: l)
        }
        if groupDepth > 0 {
            if !groupLines.isEmpty { groupLines.append(0x0A) }
            groupLines.append(contentsOf: block)
        } else {
            appendBlock(block)
        }
    }

    /// The text so far, with any open paragraph or group closed.
    mutating func finish() -> String {
        flushLine()
        if !groupLines.isEmpty {
            appendBlock(groupLines)
            groupLines.removeAll()
        }
        groupDepth = 0
        return String(decoding: output, as: UTF8.self)
    }

    private mutating func flushLine() {
        defer {
            line.removeAll(keepingCapacity: true)
            lineHasContent = false
            pendingSpace = false
            pendingCellSeparator = false
        }
        guard lineHasContent else { return }
        if groupDepth > 0 {
            if !groupLines.isEmpty { groupLines.append(0x0A) }
            groupLines.append(contentsOf: line)
        } else {
            appendBlock(line)
        }
    }

    private mutating func appendBlock(_ block: [UInt8]) {
        if !output.isEmpty { output.append(contentsOf: [0x0A, 0x0A]) }
        output.append(contentsOf: block)
    }
}
