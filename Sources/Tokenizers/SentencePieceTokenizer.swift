import Collections
import GGUF

/// SentencePiece BPE (`tokenizer.ggml.model = llama`): Llama 2, Mistral.
///
/// Stages: special tokens → each text fragment gets the dummy-prefix space
/// (`tokenizer.ggml.add_space_prefix`, default true) and its spaces become `▁` → characters
/// merged pairwise, highest-scoring resulting piece first (leftmost on ties) → characters that no
/// piece covers fall back to `<0xNN>` byte tokens, else the unknown token. Follows SentencePiece's
/// `bpe_model.cc` and llama.cpp's `llm_tokenizer_spm_session`.
public struct SentencePieceTokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    public let addsSpacePrefix: Bool
    /// Pieces BPE may produce: normal, user-defined and unused tokens (SentencePiece's `pieces_`;
    /// control and byte tokens are never formed by merging).
    let mergeable: PieceTable
    /// Shape: [256] the `<0xNN>` token of each byte, -1 when absent.
    let byteTokens: [Int32]
    let specialTokens: SpecialTokenMatcher
    let pieces: TokenPieces
    /// No mergeable piece has `▁` right after another character, so words merge independently.
    /// (A `var` so tests can compare against merging whole fragments.)
    var splitsBeforeSpaces: Bool

    public var removesLeadingSpace: Bool { addsSpacePrefix }

    public init(file: GGUFFile) throws(TokenizerError) {
        let vocabulary = try Vocabulary(file: file, defaultAddBOS: true, requireScores: true)
        self.vocabulary = vocabulary
        guard let prefix = (file[GGUFKeys.addSpacePrefix] ?? .bool(true)).bool else {
            throw TokenizerError(source: file.path, .wrongValueType(key: GGUFKeys.addSpacePrefix, expected: "a bool"))
        }
        addsSpacePrefix = prefix

        var mergeable = PieceTable()
        var byteTokens = [Int32](repeating: -1, count: 256)
        for (id, type) in vocabulary.types.enumerated() {
            switch type {
            case .normal, .userDefined, .unused: mergeable.insert(Array(vocabulary.tokens[id].utf8), id: Int32(id))
            case .byte:
                if let b = Self.byteValue(of: vocabulary.tokens[id]) { byteTokens[Int(b)] = Int32(id) }
            default: break
            }
        }
        self.mergeable = mergeable
        splitsBeforeSpaces = !vocabulary.types.indices.contains { id in
            guard [.normal, .userDefined, .unused].contains(vocabulary.types[id]) else { return false }
            var previous: Unicode.Scalar?
            for scalar in vocabulary.tokens[id].unicodeScalars {
                if scalar == "\u{2581}", let p = previous, p != "\u{2581}" { return true }
                previous = scalar
            }
            return false
        }
        self.byteTokens = byteTokens
        specialTokens = SpecialTokenMatcher(vocabulary: vocabulary)
        pieces = TokenPieces(count: vocabulary.count) { id in
            let text = vocabulary.tokens[id]
            switch vocabulary.types[id] {
            case .normal: return Self.unescapeSpaces(text)
            case .control, .unknown, .userDefined: return Array(text.utf8)
            case .byte: return Self.byteValue(of: text).map { [$0] } ?? []
            case .unused, .undefined: return []
            }
        }
    }

    /// UTF-8 of `token` with each `▁` turned back into a space.
    static func unescapeSpaces(_ token: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in token.unicodeScalars {
            if scalar == "\u{2581}" { out.append(0x20) } else { out.append(contentsOf: String(scalar).utf8) }
        }
        return out
    }

    /// The byte of a `<0xNN>` token.
    static func byteValue(of token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }

    public func pieceBytes(_ id: Int) -> ArraySlice<UInt8> { pieces[id] }

    public func encode(_ text: String, addSpecial: Bool, special: SpecialTokenParsing) -> [Int] {
        var output: [Int] = []
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        var text = text
        text.withUTF8 { bytes in
            var w = Workspace()
            for fragment in specialTokens.fragments(bytes, special) {
                switch fragment {
                case .special(let id): output.append(id)
                case .text(let range):
                    // Every text fragment starts the text or follows a special token, so each gets
                    // the dummy prefix (llama.cpp `is_prev_special`).
                    w.text.removeAll(keepingCapacity: true)
                    if addsSpacePrefix { w.text.append(contentsOf: Self.escapedSpace) }
                    for b in bytes[range] {
                        if b == 0x20 { w.text.append(contentsOf: Self.escapedSpace) } else { w.text.append(b) }
                    }
                    encodeEscaped(&w, into: &output)
                }
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// UTF-8 of `▁` (U+2581), which stands for a space.
    static let escapedSpace: [UInt8] = [0xE2, 0x96, 0x81]

    /// A candidate merge of adjacent symbols; the best has the highest score, then the leftmost.
    struct Candidate: Comparable {
        let score: Float
        let left: Int32
        let right: Int32
        /// Byte length of the merged text, to spot stale candidates.
        let length: Int32

        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }

        static func == (a: Candidate, b: Candidate) -> Bool { a.score == b.score && a.left == b.left }
    }

    /// Buffers reused across the words of one `encode` call.
    struct Workspace {
        /// The escaped fragment being encoded.
        var text: [UInt8] = []
        /// Shape: [symbols] byte offset and current byte length of each symbol (0 once merged away).
        var start: [Int32] = []
        var length: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        var heap = Heap<Candidate>()
    }

    /// Encodes `w.text`. When no piece joins a non-space character to a following `▁`, no merge
    /// can cross such a boundary, so the text is merged one word at a time; the result is the
    /// same as merging it whole and the heap stays small.
    private func encodeEscaped(_ w: inout Workspace, into output: inout [Int]) {
        let text = w.text
        guard splitsBeforeSpaces else {
            encodeWord(&w, text.indices, into: &output)
            return
        }
        var wordStart = 0
        var i = 0
        while i + 2 < text.count {
            if text[i] == 0xE2, text[i + 1] == 0x96, text[i + 2] == 0x81, i > wordStart,
                !(i >= 3 && text[i - 3] == 0xE2 && text[i - 2] == 0x96 && text[i - 1] == 0x81)
            {
                encodeWord(&w, wordStart..<i, into: &output)
                wordStart = i
            }
            i += 1
        }
        if wordStart < text.count { encodeWord(&w, wordStart..<text.count, into: &output) }
    }

    private func encodeWord(_ w: inout Workspace, _ range: Range<Int>, into output: inout [Int]) {
        w.start.removeAll(keepingCapacity: true)
        w.length.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = w.text[i]
            let n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            w.start.append(Int32(i))
            w.length.append(Int32(min(n, range.upperBound - i)))
            i += n
        }
        let count = w.start.count
        guard count > 0 else { return }
        w.next.removeAll(keepingCapacity: true)
        w.prev.removeAll(keepingCapacity: true)
        for s in 0..<count {
            w.next.append(s + 1 < count ? Int32(s + 1) : -1)
            w.prev.append(Int32(s - 1))
        }
        w.heap = Heap()
        for s in 0..<(count - 1) { push(&w, Int32(s), Int32(s + 1)) }
        while let c = w.heap.popMin() {
            let l = Int(c.left)
            let r = Int(c.right)
            guard w.length[l] > 0, w.length[r] > 0, w.length[l] + w.length[r] == c.length else { continue }
            w.length[l] = c.length
            w.length[r] = 0
            let after = w.next[r]
            w.next[l] = after
            if after >= 0 { w.prev[Int(after)] = c.left }
            push(&w, w.prev[l], c.left)
            push(&w, c.left, after)
        }
        var s = 0
        while s >= 0 {
            let piece = w.text[Int(w.start[s])..<Int(w.start[s] + w.length[s])]
            if let id = mergeable.id(piece) {
                output.append(Int(id))
            } else {
                appendFallback(piece, into: &output)
            }
            s = Int(w.next[s])
        }
    }

    @inline(__always)
    private func push(_ w: inout Workspace, _ l: Int32, _ r: Int32) {
        guard l >= 0, r >= 0 else { return }
        let n = w.length[Int(l)] + w.length[Int(r)]
        let from = Int(w.start[Int(l)])
        guard let id = mergeable.id(w.text[from..<(from + Int(n))]) else { return }
        w.heap.insert(Candidate(score: vocabulary.scores[Int(id)], left: l, right: r, length: n))
    }

    /// A character no piece covers: its bytes as `<0xNN>` tokens, else one unknown token.
    private func appendFallback(_ bytes: ArraySlice<UInt8>, into output: inout [Int]) {
        if bytes.allSatisfy({ byteTokens[Int($0)] >= 0 }) {
            for b in bytes { output.append(Int(byteTokens[Int(b)])) }
        } else if let unk = vocabulary.unknownID {
            output.append(unk)
        }
    }
}

/// Piece text → id without building a `String` per lookup: pieces of up to 24 bytes are keyed by
/// their bytes packed into three words, longer ones by their text.
struct PieceTable: Sendable {
    struct Key: Hashable {
        var a: UInt64 = 0
        var b: UInt64 = 0
        var c: UInt64 = 0
        var length: Int = 0
    }

    private var short: [Key: Int32] = [:]
    private var long: [String: Int32] = [:]

    static func key(_ bytes: ArraySlice<UInt8>) -> Key? {
        guard bytes.count <= 24 else { return nil }
        var k = Key(length: bytes.count)
        for (i, byte) in bytes.enumerated() {
            let v = UInt64(byte) << UInt64(8 * (i & 7))
            switch i >> 3 {
            case 0: k.a |= v
            case 1: k.b |= v
            default: k.c |= v
            }
        }
        return k
    }

    mutating func insert(_ bytes: [UInt8], id: Int32) {
        if let k = Self.key(bytes[...]) { short[k] = id } else { long[String(decoding: bytes, as: UTF8.self)] = id }
    }

    func id(_ bytes: ArraySlice<UInt8>) -> Int32? {
        if let k = Self.key(bytes) { return short[k] }
        return long[String(decoding: bytes, as: UTF8.self)]
    }
}
