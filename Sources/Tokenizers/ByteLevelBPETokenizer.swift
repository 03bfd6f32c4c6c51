import GGUF

/// Byte-level BPE (`tokenizer.ggml.model = gpt2`): GPT-2, SmolLM, Llama 3, Qwen2.
///
/// Stages: special tokens → pre-tokenizer regexes chosen by `tokenizer.ggml.pre` → each piece's
/// UTF-8 bytes as GPT-2 byte characters → merges by rank. Follows llama.cpp's
/// `llm_tokenizer_bpe_session`.
public struct ByteLevelBPETokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    /// The `tokenizer.ggml.pre` value this tokenizer was built for.
    public let preTokenizerName: String
    let preTokenizer: PreTokenizerSequence
    let merges: BytePairMerges
    let specialTokens: SpecialTokenMatcher
    /// Llama 3: a piece that is itself a token is not merged (llama.cpp `ignore_merges`).
    let ignoresMerges: Bool
    /// Shape: [256] the token of each single byte, -1 when the vocabulary lacks it.
    let byteTokens: [Int32]
    let pieces: TokenPieces

    public var removesLeadingSpace: Bool { false }

    /// Reads the vocabulary and merges of `file`, checking that every merge names known tokens.
    public init(file: GGUFFile) throws(TokenizerError) {
        let source = file.path
        func fail(_ reason: TokenizerError.Reason) -> TokenizerError { TokenizerError(source: source, reason) }

        let pre = file[GGUFKeys.tokenizerPre]?.string ?? "default"
        guard let kind = PreTokenizerKind(ggufName: pre) else { throw fail(.unsupportedPreTokenizer(pre)) }
        // Defaults for add_bos by pre type follow llama.cpp (`llama_vocab::impl::load`).
        let vocabulary = try Vocabulary(file: file, defaultAddBOS: kind == .llama3, requireScores: false)
        self.vocabulary = vocabulary
        preTokenizerName = pre
        preTokenizer = kind.sequence
        ignoresMerges = kind.ignoresMerges

        guard let mergeValue = file[GGUFKeys.merges] else { throw fail(.missingKey(GGUFKeys.merges)) }
        guard let mergeStrings = mergeValue.strings else {
            throw fail(.wrongValueType(key: GGUFKeys.merges, expected: "an array of strings"))
        }
        var table: [UInt64: BytePairMerges.Merge] = [:]
        table.reserveCapacity(mergeStrings.count)
        for (rank, merge) in mergeStrings.enumerated() {
            // "left right"; the separator is searched from the second byte on, as llama.cpp does.
            let utf8 = Array(merge.utf8)
            guard utf8.count >= 3, let space = utf8[1...].firstIndex(of: 0x20), space + 1 < utf8.count else {
                throw fail(.malformedMerge(index: rank, merge: merge))
            }
            let left = String(decoding: utf8[..<space], as: UTF8.self)
            let right = String(decoding: utf8[(space + 1)...], as: UTF8.self)
            guard let l = vocabulary.id(for: left) else {
                throw fail(.mergeNamesUnknownToken(index: rank, merge: merge, token: left))
            }
            guard let r = vocabulary.id(for: right) else {
                throw fail(.mergeNamesUnknownToken(index: rank, merge: merge, token: right))
            }
            guard let result = vocabulary.id(for: left + right) else {
                throw fail(.mergeResultUnknown(index: rank, merge: merge))
            }
            let key = BytePairMerges.key(Int32(l), Int32(r))
            if table[key] == nil {  // the first of duplicate merges keeps its rank
                table[key] = BytePairMerges.Merge(rank: Int32(rank), result: Int32(result))
            }
        }
        merges = BytePairMerges(table: table)

        byteTokens = (0..<256).map { b in
            vocabulary.id(for: ByteLevelAlphabet.string(for: UInt8(b))).map(Int32.init) ?? -1
        }
        specialTokens = SpecialTokenMatcher(vocabulary: vocabulary)
        pieces = TokenPieces(count: vocabulary.count) { id in
            switch vocabulary.types[id] {
            case .normal: return ByteLevelAlphabet.bytes(of: vocabulary.tokens[id])
            case .control, .unknown, .userDefined: return Array(vocabulary.tokens[id].utf8)
            case .byte: return SentencePieceTokenizer.byteValue(of: vocabulary.tokens[id]).map { [$0] } ?? []
            case .unused, .undefined: return []
            }
        }
    }

    public func pieceBytes(_ id: Int) -> ArraySlice<UInt8> { pieces[id] }

    public func encode(_ text: String, addSpecial: Bool, special: SpecialTokenParsing) -> [Int] {
        var output: [Int] = []
        output.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        var text = text
        text.withUTF8 { bytes in
            var session = Session()
            for fragment in specialTokens.fragments(bytes, special) {
                switch fragment {
                case .special(let id): output.append(id)
                case .text(let range): encodeText(UnsafeBufferPointer(rebasing: bytes[range]), &session, into: &output)
                }
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// Buffers reused across the pieces of one `encode` call.
    struct Session {
        var text = ScalarText()
        var ends: [Int] = []
        var scratch: [Int] = []
        var merge = BytePairMerges.Workspace()
    }

    private func encodeText(_ bytes: UnsafeBufferPointer<UInt8>, _ s: inout Session, into output: inout [Int]) {
        s.text.load(bytes)
        preTokenizer.split(s.text, into: &s.ends, scratch: &s.scratch)
        var start = 0
        for end in s.ends {
            let lo = s.text.byteOffsets[start]
            let hi = s.text.byteOffsets[end]
            start = end
            if ignoresMerges, let id = wholePieceToken(bytes, lo..<hi) {
                output.append(id)
                continue
            }
            s.merge.ids.removeAll(keepingCapacity: true)
            for i in lo..<hi { s.merge.ids.append(byteTokens[Int(bytes[i])]) }
            merges.apply(&s.merge, into: &output)
        }
    }

    /// The token spelling exactly the piece `bytes[range]`, if there is one.
    private func wholePieceToken(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var spelled = ""
        for i in range { spelled.unicodeScalars.append(ByteLevelAlphabet.characterForByte[Int(bytes[i])]) }
        return vocabulary.id(for: spelled)
    }
}
