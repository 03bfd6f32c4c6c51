/// GPT-2's pre-tokenizer regex, matched by hand over Unicode scalars:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// The alternatives are tried in order at each position, as llama.cpp's
/// `unicode_regex_split_custom_gpt2` does; a whitespace run followed by more text leaves its last
/// scalar to start the next piece (`\s+(?!\S)`), so " word" keeps its space.
struct GPT2Splitter: PreTokenizer {
    func split(_ text: ScalarText, _ range: Range<Int>, into ends: inout [Int]) {
        let end = range.upperBound
        var pos = range.lowerBound
        while pos < end {
            let c = text.scalars[pos]
            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
            if c == 0x27, pos + 1 < end {
                let n = text.scalars[pos + 1]
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {  // s t m d
                    pos += 2
                    ends.append(pos)
                    continue
                }
                if pos + 2 < end {
                    let nn = text.scalars[pos + 2]
                    // re ve ll
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {
                        pos += 3
                        ends.append(pos)
                        continue
                    }
                }
            }
            let isSpace = c == 0x20
            let lead = isSpace ? text.class(pos + 1, in: range) : text.classes[pos]
            //  ?\p{L}+ and  ?\p{N}+ (a scalar is never both)
            if !lead.isDisjoint(with: [.letter, .number]) {
                let kind: CharacterClass = lead.contains(.letter) ? .letter : .number
                pos += isSpace ? 1 : 0
                while text.class(pos, in: range).contains(kind) { pos += 1 }
                ends.append(pos)
                continue
            }
            //  ?[^\s\p{L}\p{N}]+
            if lead.isDisjoint(with: [.whitespace, .letter, .number, .outside]) {
                pos += isSpace ? 1 : 0
                while text.class(pos, in: range).isDisjoint(with: [.whitespace, .letter, .number, .outside]) {
                    pos += 1
                }
                ends.append(pos)
                continue
            }
            // \s+(?!\S) then \s+
            var spaces = 0
            while text.class(pos + spaces, in: range).contains(.whitespace) { spaces += 1 }
            if spaces > 1, pos + spaces < end {
                pos += spaces - 1
            } else if spaces > 0 {
                pos += spaces
            } else {
                pos += 1  // nothing matched: the scalar is a piece of its own
            }
            ends.append(pos)
        }
    }
}
