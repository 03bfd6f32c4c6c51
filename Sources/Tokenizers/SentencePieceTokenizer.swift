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
    let mergeable: [String: Int32]
    /// Shape: [256] the `<0xNN>` token of each byte, -1 when absent.
    let byteTokens: [Int32]
    let specialTokens: SpecialTokenMatcher
    let pieces: TokenPieces

    public var removesLeadingSpace: Bool { addsSpacePrefix }

    public init(file: GGUFFile) throws(TokenizerError) {
        let vocabulary = try Vocabulary(file: file, defaultAddBOS: true, requireScores: true)
        self.vocabulary = vocabulary
        guard let prefix = (file[GGUFKeys.addSpacePrefix] ?? .bool(true)).bool else {
            throw TokenizerError(source: file.path, .wrongValueType(key: GGUFKeys.addSpacePrefix, expected: "a bool"))
        }
        addsSpacePrefix = prefix

        var mergeable: [String: Int32] = [:]
        var byteTokens = [Int32](repeating: -1, count: 256)
        for (id, type) in vocabulary.types.enumerated() {
            switch type {
            case .normal, .userDefined, .unused: mergeable[vocabulary.tokens[id]] = Int32(id)
            case .byte:
                if let b = Self.byteValue(of: vocabulary.tokens[id]) { byteTokens[Int(b)] = Int32(id) }
            default: break
            }
        }
        self.mergeable = mergeable
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

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        var output: [Int] = []
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        var text = text
        text.withUTF8 { bytes in
            for fragment in specialTokens.fragments(bytes, parseSpecial: parseSpecial) {
                switch fragment {
                case .special(let id): output.append(id)
                case .text(let range):
                    // Every text fragment starts the text or follows a special token, so each gets
                    // the dummy prefix (llama.cpp `is_prev_special`).
                    var escaped: [UInt8] = addsSpacePrefix ? [0xE2, 0x96, 0x81] : []
                    for b in bytes[range] {
                        if b == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(b) }
                    }
                    encodePiece(escaped, into: &output)
                }
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// A candidate merge of adjacent symbols; the best has the highest score, then the leftmost.
    struct Candidate: Comparable {
        let score: Float
        let left: Int
        let right: Int
        /// Byte length of the merged text, to spot stale candidates.
        let length: Int

        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }

        static func == (a: Candidate, b: Candidate) -> Bool { a.score == b.score && a.left == b.left }
    }

    private func encodePiece(_ text: [UInt8], into output: inout [Int]) {
        // Symbols: one per UTF-8 character, as (start, length) in `text`.
        var start: [Int] = []
        var length: [Int] = []
        var i = 0
        while i < text.count {
            let b = text[i]
            let n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            start.append(i)
            length.append(min(n, text.count - i))
            i += n
        }
        let count = start.count
        guard count > 0 else { return }
        var next = (0..<count).map { $0 + 1 < count ? $0 + 1 : -1 }
        var prev = (0..<count).map { $0 - 1 }
        var heap = Heap<Candidate>()

        func lookup(_ from: Int, _ n: Int) -> Int32? {
            mergeable[String(decoding: text[from..<(from + n)], as: UTF8.self)]
        }
        func push(_ l: Int, _ r: Int) {
            guard l >= 0, r >= 0 else { return }
            let n = length[l] + length[r]
            guard let id = lookup(start[l], n) else { return }
            heap.insert(Candidate(score: vocabulary.scores[Int(id)], left: l, right: r, length: n))
        }
        for s in 0..<(count - 1) { push(s, s + 1) }
        while let c = heap.popMin() {
            guard length[c.left] > 0, length[c.right] > 0, length[c.left] + length[c.right] == c.length else { continue }
            length[c.left] = c.length
            length[c.right] = 0
            next[c.left] = next[c.right]
            if next[c.right] >= 0 { prev[next[c.right]] = c.left }
            push(prev[c.left], c.left)
            push(c.left, next[c.left])
        }
        var s = 0
        while s >= 0 {
            if let id = lookup(start[s], length[s]) {
                output.append(Int(id))
            } else {
                appendFallback(text[start[s]..<(start[s] + length[s])], into: &output)
            }
            s = next[s]
        }
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
