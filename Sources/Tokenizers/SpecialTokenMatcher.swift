/// Finds special tokens in text before the model splits it (llama.cpp `tokenizer_st_partition`).
///
/// Control, user-defined and unknown tokens are candidates; with `parseSpecial == false` only
/// user-defined ones are (llama.cpp, following HF `tokenizers`). Longer tokens win: candidates
/// are taken longest first, and each takes every occurrence that does not overlap a token already
/// taken, exactly as llama.cpp's repeated partition passes do.
struct SpecialTokenMatcher: Sendable {
    struct Candidate: Sendable {
        /// Shape: [length] UTF-8 of the token text.
        let bytes: [UInt8]
        let id: Int
        /// User-defined tokens are matched even when special tokens are not parsed.
        let alwaysMatched: Bool
    }

    /// One stretch of the input: plain text (a UTF-8 byte range) or a special token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case special(Int)
    }

    /// Longest first; equal lengths by id.
    private let candidates: [Candidate]
    /// Shape: [256] for each first byte, the indices into `candidates` that start with it.
    private let byFirstByte: [[Int]]

    init(vocabulary: Vocabulary) {
        var list: [Candidate] = []
        for (id, type) in vocabulary.types.enumerated()
        where type == .control || type == .userDefined || type == .unknown {
            let bytes = Array(vocabulary.tokens[id].utf8)
            guard !bytes.isEmpty else { continue }
            list.append(Candidate(bytes: bytes, id: id, alwaysMatched: type == .userDefined))
        }
        list.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        candidates = list
        var table = [[Int]](repeating: [], count: 256)
        for (i, c) in list.enumerated() { table[Int(c.bytes[0])].append(i) }
        byFirstByte = table
    }

    var isEmpty: Bool { candidates.isEmpty }

    /// Whether a control token may occupy `range`.
    static func allows(_ special: SpecialTokenParsing, _ range: Range<Int>) -> Bool {
        switch special {
        case .none: return false
        case .all: return true
        case .outside(let literal): return !literal.contains { $0.overlaps(range) }
        }
    }

    /// Splits `bytes` into text and special-token fragments, in order.
    func fragments(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        fragments(bytes, parseSpecial ? .all : .none)
    }

    /// Splits `bytes` into text and special-token fragments, in order; control tokens are found
    /// only where `special` allows (user-defined tokens everywhere).
    func fragments(_ bytes: UnsafeBufferPointer<UInt8>, _ special: SpecialTokenParsing) -> [Fragment] {
        let n = bytes.count
        guard n > 0 else { return [] }
        // Every occurrence of every candidate: (start, candidate index).
        var occurrences: [(start: Int, candidate: Int)] = []
        if !candidates.isEmpty {
            for i in 0..<n {
                let list = byFirstByte[Int(bytes[i])]
                if list.isEmpty { continue }
                for ci in list {
                    let c = candidates[ci]
                    guard c.bytes.count <= n - i, c.alwaysMatched || Self.allows(special, i..<(i + c.bytes.count))
                    else { continue }
                    var k = 1
                    while k < c.bytes.count, bytes[i + k] == c.bytes[k] { k += 1 }
                    if k == c.bytes.count { occurrences.append((i, ci)) }
                }
            }
        }
        guard !occurrences.isEmpty else { return [.text(0..<n)] }

        // Take candidates in priority order, each occurrence left to right when it is still free.
        occurrences.sort { $0.candidate != $1.candidate ? $0.candidate < $1.candidate : $0.start < $1.start }
        var taken = [Bool](repeating: false, count: n)
        var accepted: [(start: Int, end: Int, id: Int)] = []
        for occ in occurrences {
            let c = candidates[occ.candidate]
            let range = occ.start..<(occ.start + c.bytes.count)
            if range.contains(where: { taken[$0] }) { continue }
            for j in range { taken[j] = true }
            accepted.append((range.lowerBound, range.upperBound, c.id))
        }
        accepted.sort { $0.start < $1.start }
        var out: [Fragment] = []
        var last = 0
        for a in accepted {
            if a.start > last { out.append(.text(last..<a.start)) }
            out.append(.special(a.id))
            last = a.end
        }
        if last < n { out.append(.text(last..<n)) }
        return out
    }
}
