/// A shell-style pattern for file paths relative to a folder.
///
/// `*` matches within one path segment, `**` across segments (`**/` also matches no directory),
/// `?` one character, `[abc]`, `[a-z]`, `[!abc]` one character of (not of) a set, `\x` a literal
/// `x`. A pattern without `/` matches a file's name in any folder (`*.html`); one with `/`
/// matches the whole relative path (`docs/**/*.xml`), as in `.gitignore`.
public struct Glob: Sendable, Hashable {
    enum Token: Hashable {
        case literal(Character)
        case any
        case star
        /// `**/`: zero or more whole directories.
        case directories
        /// `**` elsewhere: anything, slashes included.
        case everything
        case set([ClosedRange<Character>], negated: Bool)
    }

    public let pattern: String
    let tokens: [Token]
    /// Whether the pattern is matched against the name only.
    let matchesName: Bool

    public init(_ pattern: String) throws(IngestionError) {
        self.pattern = pattern
        self.matchesName = !pattern.contains("/")
        var tokens: [Token] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    if i + 2 < chars.count, chars[i + 2] == "/" {
                        tokens.append(.directories)
                        i += 3
                    } else {
                        tokens.append(.everything)
                        i += 2
                    }
                    continue
                }
                tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                guard i + 1 < chars.count else {
                    throw IngestionError(source: pattern, .invalidPattern("trailing backslash"))
                }
                i += 1
                tokens.append(.literal(chars[i]))
            case "[":
                var j = i + 1
                var negated = false
                if j < chars.count, chars[j] == "!" || chars[j] == "^" {
                    negated = true
                    j += 1
                }
                var ranges: [ClosedRange<Character>] = []
                var first = true
                while j < chars.count, chars[j] != "]" || first {
                    first = false
                    let lo = chars[j]
                    if j + 2 < chars.count, chars[j + 1] == "-", chars[j + 2] != "]" {
                        let hi = chars[j + 2]
                        guard lo <= hi else {
                            throw IngestionError(source: pattern, .invalidPattern("range \(lo)-\(hi) is reversed"))
                        }
                        ranges.append(lo...hi)
                        j += 3
                    } else {
                        ranges.append(lo...lo)
                        j += 1
                    }
                }
                guard j < chars.count else { throw IngestionError(source: pattern, .invalidPattern("unclosed [")) }
                tokens.append(.set(ranges, negated: negated))
                i = j
            default: tokens.append(.literal(c))
            }
            i += 1
        }
        self.tokens = tokens
    }

    /// Whether `relativePath` (segments separated by `/`) matches.
    public func matches(_ relativePath: String) -> Bool {
        let subject: [Character]
        if matchesName {
            subject = Array(relativePath.split(separator: "/").last ?? Substring(relativePath))
        } else {
            subject = Array(relativePath)
        }
        // matched[j]: pattern tokens so far can match subject[0..<j]. O(tokens × characters).
        var matched = [Bool](repeating: false, count: subject.count + 1)
        matched[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: subject.count + 1)
            switch token {
            case .star, .everything:
                var reachable = false
                for j in 0...subject.count {
                    if matched[j] { reachable = true }
                    next[j] = reachable
                    if j < subject.count, subject[j] == "/", token == .star { reachable = false }
                }
            case .directories:
                for j in 0...subject.count where matched[j] {
                    next[j] = true
                    // Any run that ends in "/" after position j.
                    var k = j
                    while k < subject.count {
                        if subject[k] == "/" { next[k + 1] = true }
                        k += 1
                    }
                }
            case .any:
                for j in 0..<subject.count where matched[j] && subject[j] != "/" { next[j + 1] = true }
            case .literal(let c):
                for j in 0..<subject.count where matched[j] && subject[j] == c { next[j + 1] = true }
            case .set(let ranges, let negated):
                for j in 0..<subject.count where matched[j] && subject[j] != "/" {
                    if ranges.contains(where: { $0.contains(subject[j]) }) != negated { next[j + 1] = true }
                }
            }
            matched = next
        }
        return matched[subject.count]
    }
}
