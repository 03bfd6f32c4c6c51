/// A piece of a document's text that fits the model's context.
public struct Chunk: Sendable, Hashable {
    public var documentID: String
    /// 0-based position among the document's chunks.
    public var index: Int
    public var text: String
    /// Offsets in `Character`s (Swift's `String.count`) of `text` within the document text.
    public var characterRange: Range<Int>
    /// The counter's count for `text`; never more than the chunker's `maxTokens`.
    public var tokenCount: Int
}

/// Splits text into chunks of at most `maxTokens` tokens, as the given counter measures them.
///
/// The text is first cut into units that each fit: paragraphs; a paragraph that does not fit is
/// cut into sentences, a sentence into words, a word into characters. Chunks are runs of whole
/// units, copied from the text with their separators. Where a chunk ends, the strongest boundary
/// wins (paragraph, then sentence, then word) among the ends that fill the chunk at least half;
/// with `overlapTokens`, each chunk starts with the last units of the previous one, up to that
/// many tokens. Each chunk's count is checked with the counter itself, because tokenizers do not
/// add up exactly across unit boundaries.
public struct Chunker: Sendable {
    public let maxTokens: Int
    public let overlapTokens: Int
    public let counter: any TokenCounter

    /// `maxTokens` must be positive; `overlapTokens` is clamped below half of it.
    public init(maxTokens: Int, overlapTokens: Int = 0, counter: any TokenCounter) {
        precondition(maxTokens > 0, "Chunker needs a positive token budget")
        self.maxTokens = maxTokens
        self.overlapTokens = max(0, min(overlapTokens, (maxTokens - 1) / 2))
        self.counter = counter
    }

    public func chunks(of document: Document) -> [Chunk] { chunks(of: document.text, documentID: document.id) }

    public func chunks(of text: String, documentID: String) -> [Chunk] {
        let bytes = Array(text.utf8)
        let units = segment(bytes)
        guard !units.isEmpty else { return [] }
        var spans: [(start: Int, end: Int, tokens: Int)] = []  // unit index ranges + verified counts
        var start = 0
        var previousEnd = 0
        while start < units.count {
            var (end, tokens) = chooseEnd(units, bytes, from: start, after: previousEnd)
            if end <= previousEnd {
                // The overlap left no room for new text: start fresh where the last chunk ended.
                start = previousEnd
                (end, tokens) = chooseEnd(units, bytes, from: start, after: previousEnd)
            }
            spans.append((start, end, tokens))
            previousEnd = end
            guard end < units.count else { break }
            start = overlapStart(units, from: start, end: end)
        }
        return makeChunks(spans, units: units, bytes: bytes, text: text, documentID: documentID)
    }

    // MARK: Units

    /// A run of bytes that fits on its own, with the strength of the boundary before it.
    struct Unit {
        var start: Int
        var end: Int
        var tokens: Int
        /// 3 paragraph, 2 sentence or line, 1 word, 0 inside a word.
        var strength: Int
    }

    func segment(_ bytes: [UInt8]) -> [Unit] {
        var units: [Unit] = []
        for paragraph in Self.split(bytes, 0..<bytes.count, at: Self.paragraphBreaks) {
            add(paragraph, strength: 3, level: 2, bytes, &units)
        }
        return units
    }

    /// Adds `range` as one unit if it fits, else its pieces at the next finer level.
    private func add(_ range: Range<Int>, strength: Int, level: Int, _ bytes: [UInt8], _ units: inout [Unit]) {
        let tokens = count(bytes, range)
        if tokens <= maxTokens {
            units.append(Unit(start: range.lowerBound, end: range.upperBound, tokens: tokens, strength: strength))
            return
        }
        switch level {
        case 2, 1:
            let pieces = Self.split(bytes, range, at: level == 2 ? Self.sentenceBreaks : Self.wordBreaks)
            if pieces.count > 1 {
                for (k, piece) in pieces.enumerated() {
                    add(piece, strength: k == 0 ? strength : level, level: level - 1, bytes, &units)
                }
            } else {
                add(range, strength: strength, level: level - 1, bytes, &units)
            }
        default:
            splitCharacters(range, strength: strength, bytes, &units)
        }
    }

    /// Greedy character pieces, each the longest prefix that fits (binary search), at least one
    /// character long.
    private func splitCharacters(_ range: Range<Int>, strength: Int, _ bytes: [UInt8], _ units: inout [Unit]) {
        let word = String(decoding: bytes[range], as: UTF8.self)
        let characters = Array(word)
        let widths = characters.map { $0.utf8.count }
        var position = 0
        var offset = range.lowerBound
        var first = true
        while position < characters.count {
            var lo = 1
            var hi = characters.count - position
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if counter.tokenCount(String(characters[position..<(position + mid)])) <= maxTokens {
                    lo = mid
                } else {
                    hi = mid - 1
                }
            }
            let byteLength = widths[position..<(position + lo)].reduce(0, +)
            let tokens = counter.tokenCount(String(characters[position..<(position + lo)]))
            units.append(Unit(start: offset, end: offset + byteLength, tokens: tokens, strength: first ? strength : 0))
            first = false
            position += lo
            offset += byteLength
        }
    }

    private func count(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        counter.tokenCount(String(decoding: bytes[range], as: UTF8.self))
    }

    // MARK: Boundaries

    /// Given a finder of separator runs, the non-empty pieces between separators.
    static func split(_ bytes: [UInt8], _ range: Range<Int>, at findBreak: ([UInt8], Int, Int) -> Range<Int>?)
        -> [Range<Int>]
    {
        var pieces: [Range<Int>] = []
        var pieceStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            if let separator = findBreak(bytes, i, range.upperBound) {
                let piece = trimmed(bytes, pieceStart..<separator.lowerBound)
                if !piece.isEmpty { pieces.append(piece) }
                pieceStart = separator.upperBound
                i = max(separator.upperBound, i + 1)
            } else {
                i += 1
            }
        }
        let last = trimmed(bytes, pieceStart..<range.upperBound)
        if !last.isEmpty { pieces.append(last) }
        return pieces
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private static func trimmed(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi, isSpace(bytes[lo]) { lo += 1 }
        while hi > lo, isSpace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// A newline, optional spaces, and another newline (a blank line), with all following whitespace.
    static func paragraphBreaks(_ bytes: [UInt8], _ i: Int, _ end: Int) -> Range<Int>? {
        guard bytes[i] == 0x0A else { return nil }
        var j = i + 1
        while j < end, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0D { j += 1 }
        guard j < end, bytes[j] == 0x0A else { return nil }
        while j < end, isSpace(bytes[j]) { j += 1 }
        return i..<j
    }

    /// After `.`, `!`, `?` or `…` (and closing quotes or brackets) before whitespace; after
    /// `。`, `！`, `？`; and at any line break.
    static func sentenceBreaks(_ bytes: [UInt8], _ i: Int, _ end: Int) -> Range<Int>? {
        let b = bytes[i]
        if b == 0x0A {
            var j = i
            while j < end, isSpace(bytes[j]) { j += 1 }
            return i..<j
        }
        // Ideographic full stop / fullwidth ! ? (E3 80 82, EF BC 81, EF BC 9F).
        if b == 0xE3 || b == 0xEF, i + 2 < end {
            let tail = (bytes[i + 1], bytes[i + 2])
            if (b == 0xE3 && tail == (0x80, 0x82)) || (b == 0xEF && (tail == (0xBC, 0x81) || tail == (0xBC, 0x9F))) {
                var j = i + 3
                while j < end, isSpace(bytes[j]) { j += 1 }
                return (i + 3)..<j
            }
        }
        var j: Int
        if b == 0x2E || b == 0x21 || b == 0x3F {
            j = i + 1
        } else if b == 0xE2, i + 2 < end, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA6 {  // …
            j = i + 3
        } else {
            return nil
        }
        while j < end, bytes[j] == 0x22 || bytes[j] == 0x27 || bytes[j] == 0x29 || bytes[j] == 0x5D {
            j += 1  // " ' ) ]
        }
        guard j < end, isSpace(bytes[j]) else { return nil }
        var k = j
        while k < end, isSpace(bytes[k]) { k += 1 }
        return j..<k
    }

    static func wordBreaks(_ bytes: [UInt8], _ i: Int, _ end: Int) -> Range<Int>? {
        guard isSpace(bytes[i]) else { return nil }
        var j = i
        while j < end, isSpace(bytes[j]) { j += 1 }
        return i..<j
    }

    // MARK: Packing

    /// The end (exclusive unit index) of the chunk starting at `start`, past `after`, and its
    /// verified token count.
    private func chooseEnd(_ units: [Unit], _ bytes: [UInt8], from start: Int, after: Int) -> (Int, Int) {
        // Ends that fit by estimate: the sum of the unit counts (separators are usually absorbed
        // by subword tokens; the real count below catches the rest).
        var estimate = 0
        var candidates: [(end: Int, estimate: Int)] = []
        var j = start
        while j < units.count {
            estimate += units[j].tokens
            if estimate > maxTokens, j > start { break }
            j += 1
            candidates.append((j, estimate))
        }
        let eligible = candidates.filter { $0.end > after }
        guard !eligible.isEmpty else { return (start + 1, units[start].tokens) }
        let half = maxTokens / 2
        func strength(_ end: Int) -> Int { end == units.count ? 4 : units[end].strength }
        let full = eligible.filter { $0.estimate >= half }
        var order: [Int]
        if let best = full.max(by: { (strength($0.end), $0.end) < (strength($1.end), $1.end) }) {
            order = [best.end]
        } else {
            order = [eligible.last!.end]
        }
        // Verify with the real counter, stepping back a unit while it does not fit.
        order += eligible.map(\.end).filter { $0 < order[0] }.reversed()
        for end in order {
            let tokens = count(bytes, units[start].start..<units[end - 1].end)
            if tokens <= maxTokens { return (end, tokens) }
        }
        return (start + 1, units[start].tokens)
    }

    /// Where the next chunk starts: the earliest unit after `start` from which the units up to
    /// `end` fit in `overlapTokens` (or `end` when none do).
    private func overlapStart(_ units: [Unit], from start: Int, end: Int) -> Int {
        guard overlapTokens > 0 else { return end }
        var total = 0
        var k = end
        while k - 1 > start {
            let next = total + units[k - 1].tokens
            if next > overlapTokens { break }
            total = next
            k -= 1
        }
        return k
    }

    private func makeChunks(
        _ spans: [(start: Int, end: Int, tokens: Int)], units: [Unit], bytes: [UInt8], text: String, documentID: String
    ) -> [Chunk] {
        // Byte offsets → Character offsets in one pass over the sorted boundaries.
        var offsets = Set<Int>()
        for span in spans {
            offsets.insert(units[span.start].start)
            offsets.insert(units[span.end - 1].end)
        }
        var characterOffset: [Int: Int] = [:]
        var index = text.startIndex
        var characters = 0
        for byteOffset in offsets.sorted() {
            let target = text.utf8.index(text.startIndex, offsetBy: byteOffset)
            characters += text.distance(from: index, to: target)
            index = target
            characterOffset[byteOffset] = characters
        }
        return spans.enumerated().map { k, span in
            let lo = units[span.start].start
            let hi = units[span.end - 1].end
            return Chunk(
                documentID: documentID, index: k, text: String(decoding: bytes[lo..<hi], as: UTF8.self),
                characterRange: characterOffset[lo]!..<characterOffset[hi]!, tokenCount: span.tokens)
        }
    }
}
