/// The Llama 3 pre-tokenizer regex, matched by hand over Unicode scalars:
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// following llama.cpp's `unicode_regex_split_custom_llama3`. `maxDigits` 1 gives Qwen2's variant
/// (`\p{N}` instead of `\p{N}{1,3}`).
struct Llama3Splitter: PreTokenizer {
    let maxDigits: Int

    func split(_ text: ScalarText, _ range: Range<Int>, into ends: inout [Int]) {
        let end = range.upperBound
        var pos = range.lowerBound
        while pos < end {
            let c = text.scalars[pos]
            let cls = text.classes[pos]
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if c == 0x27, pos + 1 < end {
                let n = Self.lower(text.scalars[pos + 1])
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {
                    pos += 2
                    ends.append(pos)
                    continue
                }
                if pos + 2 < end {
                    let nn = Self.lower(text.scalars[pos + 2])
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {
                        pos += 3
                        ends.append(pos)
                        continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == 0x0D || c == 0x0A || cls.contains(.number)) {
                if cls.contains(.letter) || text.class(pos + 1, in: range).contains(.letter) {
                    pos += 1
                    while text.class(pos, in: range).contains(.letter) { pos += 1 }
                    ends.append(pos)
                    continue
                }
            }
            // \p{N}{1,maxDigits}
            if cls.contains(.number) {
                var run = 0
                while text.class(pos, in: range).contains(.number) {
                    pos += 1
                    run += 1
                    if run == maxDigits {
                        ends.append(pos)
                        run = 0
                    }
                }
                if run > 0 { ends.append(pos) }
                continue
            }
            //  ?[^\s\p{L}\p{N}]+[\r\n]*
            let isSpace = c == 0x20
            let lead = isSpace ? text.class(pos + 1, in: range) : cls
            if lead.isDisjoint(with: [.whitespace, .letter, .number, .outside]) {
                pos += isSpace ? 1 : 0
                while text.class(pos, in: range).isDisjoint(with: [.whitespace, .letter, .number, .outside]) {
                    pos += 1
                }
                while pos < end, text.scalars[pos] == 0x0D || text.scalars[pos] == 0x0A { pos += 1 }
                ends.append(pos)
                continue
            }
            // \s*[\r\n]+ then \s+(?!\S) then \s+
            var spaces = 0
            var afterLastNewline = 0
            while text.class(pos + spaces, in: range).contains(.whitespace) {
                let s = text.scalars[pos + spaces]
                if s == 0x0D || s == 0x0A { afterLastNewline = pos + spaces + 1 }
                spaces += 1
            }
            if afterLastNewline > 0 {
                pos = afterLastNewline
            } else if spaces > 1, pos + spaces < end {
                pos += spaces - 1
            } else if spaces > 0 {
                pos += spaces
            } else {
                pos += 1
            }
            ends.append(pos)
        }
    }

    @inline(__always)
    private static func lower(_ c: UInt32) -> UInt32 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
}
