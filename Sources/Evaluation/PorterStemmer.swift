/// The Porter stemmer as nltk implements it in its default `NLTK_EXTENSIONS` mode
/// (`nltk/stem/porter.py`), which `rouge-score` uses with `use_stemmer=True`. Words are lowercase
/// ASCII bytes (ROUGE tokens are `[a-z0-9]+`).
///
/// Porter, "An algorithm for suffix stripping", Program 14(3), 1980; the steps below keep the
/// paper's names. nltk's extensions over the paper: a table of irregular forms, words of one or
/// two letters left alone, `ies`/`ied` on four-letter words, `y → i` only after a consonant,
/// `alli` handled before the rest of step 2, `fulli` and `logi` rules, and `*o` true for a
/// two-letter vowel–consonant stem.
public enum PorterStemmer {
    typealias Word = [UInt8]

    /// nltk's irregular forms (word → stem).
    static let irregular: [String: String] = [
        "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
        "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing",
        "cannings": "canning", "canning": "canning", "howe": "howe", "proceed": "proceed",
        "exceed": "exceed", "succeed": "succeed",
    ]

    /// The stem of `word` (lowercase ASCII).
    public static func stem(_ word: String) -> String {
        String(decoding: stem(Array(word.utf8)), as: UTF8.self)
    }

    static func stem(_ word: Word) -> Word {
        if let form = irregular[String(decoding: word, as: UTF8.self)] { return Array(form.utf8) }
        guard word.count > 2 else { return word }
        var w = step1a(word)
        w = step1b(w)
        w = step1c(w)
        w = step2(w)
        w = step3(w)
        w = step4(w)
        w = step5a(w)
        return step5b(w)
    }

    // MARK: Conditions

    static let vowels: Set<UInt8> = Set("aeiou".utf8)
    static let y = UInt8(ascii: "y")

    /// Per letter, whether it is a consonant: not a vowel, and a `y` only when the letter
    /// before it is a vowel (or it starts the word).
    static func consonantFlags(_ w: Word) -> [Bool] {
        var flags: [Bool] = []
        flags.reserveCapacity(w.count)
        for (i, c) in w.enumerated() {
            if vowels.contains(c) {
                flags.append(false)
            } else if c == y {
                flags.append(i == 0 ? true : !flags[i - 1])
            } else {
                flags.append(true)
            }
        }
        return flags
    }

    /// `m` in `[C](VC){m}[V]`: the number of vowel→consonant transitions.
    static func measure(_ w: Word) -> Int {
        let f = consonantFlags(w)
        var m = 0
        for i in f.indices.dropFirst() where !f[i - 1] && f[i] { m += 1 }
        return m
    }

    static func hasPositiveMeasure(_ w: Word) -> Bool { measure(w) > 0 }

    /// `*v*`: the stem contains a vowel.
    static func containsVowel(_ w: Word) -> Bool { consonantFlags(w).contains(false) }

    /// `*d`: the word ends with a double consonant.
    static func endsDoubleConsonant(_ w: Word) -> Bool {
        w.count >= 2 && w[w.count - 1] == w[w.count - 2] && consonantFlags(w)[w.count - 1]
    }

    /// `*o`: the stem ends consonant–vowel–consonant and the last is not `w`, `x` or `y`; nltk
    /// also accepts a two-letter vowel–consonant stem.
    static func endsCVC(_ w: Word) -> Bool {
        let f = consonantFlags(w)
        let n = w.count
        if n >= 3, f[n - 3], !f[n - 2], f[n - 1], !"wxy".utf8.contains(w[n - 1]) { return true }
        return n == 2 && !f[0] && f[1]
    }

    static func hasSuffix(_ w: Word, _ suffix: String) -> Bool {
        let s = Array(suffix.utf8)
        return w.count >= s.count && Array(w[(w.count - s.count)...]) == s
    }

    static func dropSuffix(_ w: Word, _ count: Int) -> Word { Array(w[..<(w.count - count)]) }

    /// One rule: a suffix, its replacement and the condition on the stem before it.
    struct Rule {
        var suffix: String
        var replacement: String
        var condition: ((Word) -> Bool)?

        init(_ suffix: String, _ replacement: String, _ condition: ((Word) -> Bool)? = nil) {
            self.suffix = suffix
            self.replacement = replacement
            self.condition = condition
        }
    }

    /// The first rule whose suffix matches decides: it applies if its condition holds, and
    /// otherwise the word is left as it is (no later rule is tried).
    static func applyFirst(_ w: Word, _ rules: [Rule]) -> Word {
        for rule in rules where hasSuffix(w, rule.suffix) {
            let stem = dropSuffix(w, rule.suffix.utf8.count)
            return rule.condition.map { $0(stem) } ?? true ? stem + Array(rule.replacement.utf8) : w
        }
        return w
    }

    // MARK: Steps

    /// Plurals: `sses → ss`, `ies → i`, `ss → ss`, `s → ` (and four-letter `ies → ie`).
    static func step1a(_ w: Word) -> Word {
        if w.count == 4, hasSuffix(w, "ies") { return dropSuffix(w, 3) + Array("ie".utf8) }
        return applyFirst(w, [Rule("sses", "ss"), Rule("ies", "i"), Rule("ss", "ss"), Rule("s", "")])
    }

    /// `-ed`, `-ing` and the tidying after them.
    static func step1b(_ w: Word) -> Word {
        if hasSuffix(w, "ied") { return dropSuffix(w, 3) + Array((w.count == 4 ? "ie" : "i").utf8) }
        if hasSuffix(w, "eed") {
            let stem = dropSuffix(w, 3)
            return measure(stem) > 0 ? stem + Array("ee".utf8) : w
        }
        var intermediate: Word?
        for suffix in ["ed", "ing"] where hasSuffix(w, suffix) {
            let stem = dropSuffix(w, suffix.utf8.count)
            if containsVowel(stem) {
                intermediate = stem
                break
            }
        }
        guard let stem = intermediate else { return w }
        for (suffix, replacement) in [("at", "ate"), ("bl", "ble"), ("iz", "ize")] where hasSuffix(stem, suffix) {
            return dropSuffix(stem, suffix.utf8.count) + Array(replacement.utf8)
        }
        if endsDoubleConsonant(stem) {
            return "lsz".utf8.contains(stem[stem.count - 1]) ? stem : dropSuffix(stem, 1)
        }
        return measure(stem) == 1 && endsCVC(stem) ? stem + [UInt8(ascii: "e")] : stem
    }

    /// `y → i` after a consonant that is not the whole stem.
    static func step1c(_ w: Word) -> Word {
        applyFirst(w, [Rule("y", "i") { $0.count > 1 && consonantFlags($0)[$0.count - 1] }])
    }

    /// Double suffixes to single ones (`ational → ate`, …), for stems with `m > 0`.
    static func step2(_ w: Word) -> Word {
        if hasSuffix(w, "alli"), hasPositiveMeasure(dropSuffix(w, 4)) {
            return step2(dropSuffix(w, 4) + Array("al".utf8))
        }
        let pairs = [
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
            ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
            ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
            ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
            ("fulli", "ful"),
        ]
        var rules = pairs.map { Rule($0.0, $0.1, hasPositiveMeasure) }
        // The `l` of `logi` counts as part of the stem (nltk), so `geo-logi` qualifies.
        rules.append(Rule("logi", "log") { _ in hasPositiveMeasure(dropSuffix(w, 3)) })
        return applyFirst(w, rules)
    }

    /// `icate → ic`, `ative → `, …, for stems with `m > 0`.
    static func step3(_ w: Word) -> Word {
        let pairs = [
            ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
        ]
        return applyFirst(w, pairs.map { Rule($0.0, $0.1, hasPositiveMeasure) })
    }

    /// Drops `-al`, `-ance`, …, for stems with `m > 1` (`-ion` only after `s` or `t`).
    static func step4(_ w: Word) -> Word {
        let above1: (Word) -> Bool = { measure($0) > 1 }
        var rules = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"].map {
            Rule($0, "", above1)
        }
        rules.append(Rule("ion", "") { measure($0) > 1 && [UInt8(ascii: "s"), UInt8(ascii: "t")].contains($0.last) })
        rules += ["ou", "ism", "ate", "iti", "ous", "ive", "ize"].map { Rule($0, "", above1) }
        return applyFirst(w, rules)
    }

    /// A final `e` goes when `m > 1`, or `m = 1` and the stem does not end `*o`.
    static func step5a(_ w: Word) -> Word {
        guard hasSuffix(w, "e") else { return w }
        let stem = dropSuffix(w, 1)
        let m = measure(stem)
        return m > 1 || (m == 1 && !endsCVC(stem)) ? stem : w
    }

    /// `ll → l` when `m > 1`.
    static func step5b(_ w: Word) -> Word {
        hasSuffix(w, "ll") && measure(dropSuffix(w, 1)) > 1 ? dropSuffix(w, 1) : w
    }
}
