/// Isolates runs of scalars that satisfy a predicate, cut into chunks of at most `maxLength`:
/// the regexes `\p{N}` (`maxLength` 1), `\p{N}+` (nil) and `[0-9][0-9][0-9]` (3) of llama.cpp's
/// lists. Text between runs stays a piece.
struct RunSplitter: PreTokenizer {
    let maxLength: Int?
    let matches: @Sendable (UInt32, CharacterClass) -> Bool

    init(maxLength: Int?, matches: @escaping @Sendable (UInt32, CharacterClass) -> Bool) {
        self.maxLength = maxLength
        self.matches = matches
    }

    func split(_ text: ScalarText, _ range: Range<Int>, into ends: inout [Int]) {
        var pos = range.lowerBound
        var pieceStart = pos
        while pos < range.upperBound {
            guard matches(text.scalars[pos], text.classes[pos]) else {
                pos += 1
                continue
            }
            if pieceStart < pos { ends.append(pos) }
            var runLength = 0
            while pos < range.upperBound, matches(text.scalars[pos], text.classes[pos]) {
                pos += 1
                runLength += 1
                if let maxLength, runLength == maxLength {
                    ends.append(pos)
                    runLength = 0
                }
            }
            if runLength > 0 { ends.append(pos) }
            pieceStart = pos
        }
        if pieceStart < range.upperBound { ends.append(range.upperBound) }
    }
}
