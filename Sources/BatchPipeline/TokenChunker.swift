import Tokenizers

/// Cuts a document's token ids into chunks of at most `maxTokens`, on the ids themselves: the
/// document is encoded once, and chunk ends are chosen from the bytes the tokens spell.
///
/// Where a chunk ends, the strongest boundary wins (paragraph, then sentence or line, then word)
/// among the ends that fill the chunk at least half, the latest on ties; a cut never splits a
/// UTF-8 character. With `overlapTokens`, each chunk starts that many tokens before the previous
/// one ended, moved forward to a word boundary.
public struct TokenChunker: Sendable {
    public let maxTokens: Int
    public let overlapTokens: Int

    /// `maxTokens` must be positive; `overlapTokens` is kept below half of it.
    public init(maxTokens: Int, overlapTokens: Int = 0) {
        precondition(maxTokens > 0, "TokenChunker needs a positive token budget")
        self.maxTokens = maxTokens
        self.overlapTokens = max(0, min(overlapTokens, (maxTokens - 1) / 2))
    }

    /// Boundary strengths.
    enum Strength: Int, Comparable {
        /// Inside a UTF-8 character: never cut.
        case never = -1
        case insideWord = 0
        case word = 1
        case sentence = 2
        case paragraph = 3

        static func < (a: Strength, b: Strength) -> Bool { a.rawValue < b.rawValue }
    }

    /// The token ranges of the chunks of `ids`, decoded by `tokenizer` to find boundaries.
    public func chunks(_ ids: [Int], tokenizer: any Tokenizer) -> [Range<Int>] {
        let strengths = Self.boundaries(ids, tokenizer: tokenizer)
        var out: [Range<Int>] = []
        var start = 0
        while start < ids.count {
            let end = chooseEnd(from: start, count: ids.count, strengths)
            out.append(start..<end)
            guard end < ids.count else { break }
            start = overlapStart(before: end, after: start, strengths)
        }
        return out
    }

    /// `strengths[i]`: the boundary before token `i` (index 0 and `count` are the text's ends).
    static func boundaries(_ ids: [Int], tokenizer: any Tokenizer) -> [Strength] {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        offsets.reserveCapacity(ids.count + 1)
        for id in ids {
            offsets.append(bytes.count)
            bytes.append(contentsOf: tokenizer.pieceBytes(id))
        }
        offsets.append(bytes.count)
        func byte(_ i: Int) -> UInt8? { i >= 0 && i < bytes.count ? bytes[i] : nil }
        return offsets.map { o in
            guard o > 0, o < bytes.count else { return .paragraph }
            if bytes[o] & 0xC0 == 0x80 { return .never }
            let before = bytes[o - 1]
            let after = bytes[o]
            if before == 0x0A && (byte(o - 2) == 0x0A || after == 0x0A) && after != 0x0A { return .paragraph }
            if before == 0x0A { return .sentence }
            let ends: Set<UInt8> = [0x2E, 0x21, 0x3F]  // . ! ?
            if ends.contains(before) && (after == 0x20 || after == 0x0A) { return .sentence }
            if let b2 = byte(o - 2), ends.contains(b2) && before == 0x20 { return .sentence }
            if after == 0x20 || before == 0x20 || after == 0x0A || after == 0x09 { return .word }
            return .insideWord
        }
    }

    /// The end of the chunk starting at `start`: the strongest boundary in the second half of
    /// the longest chunk allowed (the latest among equals).
    private func chooseEnd(from start: Int, count: Int, _ strengths: [Strength]) -> Int {
        let limit = min(count, start + maxTokens)
        if limit == count { return count }
        var best = limit
        var bestStrength = strengths[limit]
        var i = limit - 1
        let floor = start + max(1, maxTokens / 2)
        while i >= floor {
            if strengths[i] > bestStrength {
                best = i
                bestStrength = strengths[i]
            }
            i -= 1
        }
        if bestStrength == .never {
            // No character boundary in the second half: the nearest one before the limit.
            var j = limit - 1
            while j > start + 1 && strengths[j] == .never { j -= 1 }
            best = j
        }
        return best
    }

    /// Where the chunk after one ending at `end` starts: `overlapTokens` back, forward to a word
    /// boundary, always after the previous start.
    private func overlapStart(before end: Int, after start: Int, _ strengths: [Strength]) -> Int {
        guard overlapTokens > 0 else { return end }
        var i = max(start + 1, end - overlapTokens)
        while i < end && strengths[i] < .word { i += 1 }
        return i
    }
}
