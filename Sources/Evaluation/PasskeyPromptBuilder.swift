import KVCaches

/// A passkey prompt: the text, its tokens, and where the needle went.
public struct PasskeyPrompt: Sendable, Equatable {
    public var text: String
    public var tokens: [Int]
    /// The digits the model should repeat.
    public var key: String
    /// Filler units before the needle.
    public var unitsBeforeNeedle: Int
    /// Filler units in the prompt.
    public var unitCount: Int
    /// Where the needle starts in `text` (UTF-8 offset).
    public var needleOffset: Int
}

/// Builds EasyKV's passkey prompts (EASYKV-SPEC §10) at a requested length in tokens, with the
/// needle at a requested depth; the needle-in-a-haystack variant takes its filler from a text.
///
/// The reference's prompt is a header line, filler lines ("The grass is green. …") with one
/// needle line among them, no newline after the last filler line, and the question suffix joined
/// directly: `…There and back again.What is the pass key? The pass key is `. The builder adds
/// filler units until the tokenized prompt reaches the requested length, so a prompt is at least
/// that long and shorter than it plus one unit's tokens. The needle goes after
/// `round(depth × units)` filler units.
public struct PasskeyPromptBuilder: Sendable {
    public static let header =
        "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. I will quiz you about the important information there.\n"
    public static let fillerLine =
        "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
    public static let question = "What is the pass key? The pass key is "

    /// The needle line for `key` ("The pass key is NNNNN. Remember it. NNNNN is the pass key.").
    public static func needle(_ key: String) -> String {
        "The pass key is \(key). Remember it. \(key) is the pass key.\n"
    }

    public var header: String
    /// The filler, in units that are repeated in order (and cycled when the text runs out). Each
    /// unit carries its own trailing separator (newline or space); the prompt drops the last one.
    public var units: [String]
    public var question: String
    /// Turns prompt text into tokens (the model's tokenizer, with BOS as the model adds it).
    public var tokenize: @Sendable (String) -> [Int]

    /// EasyKV's prompt: the repeated filler line.
    public static func passkey(tokenize: @escaping @Sendable (String) -> [Int]) -> PasskeyPromptBuilder {
        PasskeyPromptBuilder(header: header, units: [fillerLine], question: question, tokenize: tokenize)
    }

    /// Needle in a haystack: the filler is `haystack`, cut into sentences and lines.
    public static func haystack(_ haystack: String, tokenize: @escaping @Sendable (String) -> [Int])
        throws(EvaluationError)
        -> PasskeyPromptBuilder
    {
        let units = Self.sentences(haystack)
        guard !units.isEmpty else { throw EvaluationError.invalidSetting("the haystack text is empty") }
        return PasskeyPromptBuilder(header: header, units: units, question: question, tokenize: tokenize)
    }

    public init(header: String, units: [String], question: String, tokenize: @escaping @Sendable (String) -> [Int]) {
        self.header = header
        self.units = units
        self.question = question
        self.tokenize = tokenize
    }

    /// The prompt text with `count` filler units and the needle after `before` of them.
    public func text(unitCount count: Int, needleAfter before: Int, key: String) -> (text: String, needleOffset: Int) {
        var body = ""
        var needleOffset = 0
        for i in 0...count {
            if i == before {
                needleOffset = header.utf8.count + body.utf8.count
                body += Self.needle(key)
            }
            if i < count { body += units.isEmpty ? "" : units[i % units.count] }
        }
        // The last unit's separator goes: the question follows the text directly.
        while let last = body.unicodeScalars.last, last == "\n" || last == " " { body.unicodeScalars.removeLast() }
        return (header + body + question, needleOffset)
    }

    /// The prompt of at least `targetTokens` tokens (fewest filler units that reach it) with the
    /// needle at `depth` (0 = before all filler, 1 = after all of it).
    public func build(targetTokens: Int, depth: Double, key: String) throws(EvaluationError) -> PasskeyPrompt {
        guard depth >= 0, depth <= 1 else {
            throw EvaluationError.invalidSetting("needle depth \(depth) is not in [0, 1]")
        }
        guard targetTokens > 0 else {
            throw EvaluationError.invalidSetting("prompt length \(targetTokens) must be positive")
        }
        func make(_ n: Int) -> PasskeyPrompt {
            let before = Int((depth * Double(n)).rounded())
            let (text, offset) = text(unitCount: n, needleAfter: before, key: key)
            return PasskeyPrompt(
                text: text, tokens: tokenize(text), key: key, unitsBeforeNeedle: before, unitCount: n,
                needleOffset: offset)
        }
        // Token counts grow with the unit count (almost linearly), so: estimate from the mean unit
        // length, then step to the smallest count that reaches the target.
        let empty = make(0)
        if empty.tokens.count >= targetTokens { return empty }
        let cycle = units.joined()
        let perUnit = max(1.0, Double(tokenize(cycle).count) / Double(max(units.count, 1)))
        var n = max(1, Int(Double(targetTokens - empty.tokens.count) / perUnit))
        var prompt = make(n)
        while prompt.tokens.count >= targetTokens, n > 1 {
            let smaller = make(n - 1)
            guard smaller.tokens.count >= targetTokens else { break }
            n -= 1
            prompt = smaller
        }
        while prompt.tokens.count < targetTokens {
            n += 1
            prompt = make(n)
        }
        return prompt
    }

    /// Sentences and lines of `text`, each with the whitespace after it: the units of a
    /// haystack. A unit ends after `.`, `!` or `?` followed by whitespace, or at a newline.
    public static func sentences(_ text: String) -> [String] {
        var units: [String] = []
        var current = String.UnicodeScalarView()
        var afterStop = false
        var inTrailingSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace
            if inTrailingSpace, !isSpace {
                units.append(String(current))
                current = String.UnicodeScalarView()
                inTrailingSpace = false
                afterStop = false
            }
            current.append(scalar)
            if isSpace && (afterStop || scalar == "\n") {
                inTrailingSpace = true
            } else if !isSpace {
                afterStop = ".!?".unicodeScalars.contains(scalar)
            }
        }
        if !String(current).allSatisfy(\.isWhitespace) { units.append(String(current)) }
        return units
    }
}

/// Passkeys: five-digit numbers from a seeded generator, one per (length, depth, repetition),
/// so the same case gets the same key whatever else is in the run.
public enum PasskeyKeys {
    public static func key(seed: UInt64, length: Int, depth: Double, index: Int) -> String {
        var g = SplitMix64(seed: seed ^ UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15)
        var h = SplitMix64(seed: g.next() ^ depth.bitPattern)
        var k = SplitMix64(seed: h.next() &+ UInt64(index))
        return String(10000 + k.next() % 90000)
    }
}
