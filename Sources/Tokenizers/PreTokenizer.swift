/// One stage of splitting text into the pieces BPE runs on (a regex of llama.cpp's
/// `regex_exprs` list). Stages run in sequence: each splits every piece the previous stage made,
/// and the text between matches stays a piece of its own (llama.cpp `unicode_regex_split`,
/// HF `Split` with `Isolated` behaviour).
protocol PreTokenizer: Sendable {
    /// Splits `text[range]` (scalar indices) into consecutive non-empty pieces and appends the
    /// end index of each to `ends`.
    func split(_ text: ScalarText, _ range: Range<Int>, into ends: inout [Int])
}

/// Stages applied one after another.
struct PreTokenizerSequence: Sendable {
    let stages: [any PreTokenizer]

    /// End indices of the pieces of `text`, in order. `scratch` is reused between calls.
    func split(_ text: ScalarText, into ends: inout [Int], scratch: inout [Int]) {
        ends.removeAll(keepingCapacity: true)
        guard text.count > 0 else { return }
        ends.append(text.count)
        for stage in stages {
            swap(&ends, &scratch)
            ends.removeAll(keepingCapacity: true)
            var start = 0
            for end in scratch {
                stage.split(text, start..<end, into: &ends)
                start = end
            }
        }
    }
}

/// `tokenizer.ggml.pre` values and the stage lists they select (llama.cpp `llm_tokenizer_bpe`).
/// Names that share a regex list share a case.
enum PreTokenizerKind: CaseIterable, Sendable {
    /// llama.cpp's fallback list for BPE vocabularies without a known pre type.
    case `default`
    /// GPT-2's regex alone.
    case gpt2
    /// Each digit on its own, then the GPT-2 regex (SmolLM, StarCoder, Refact, Command-R).
    case smollm
    /// The Llama 3 regex: case-insensitive contractions, up to three digits, newline runs.
    case llama3
    /// The Llama 3 regex with single digits (Qwen2, StableLM2).
    case qwen2

    /// The names converters write for this kind.
    var ggufNames: [String] {
        switch self {
        case .default: return ["default"]
        case .gpt2: return ["gpt2", "gpt-2", "mpt", "olmo", "jais", "trillion"]
        case .smollm: return ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva"]
        case .llama3: return ["llama3", "llama-v3", "llama-bpe", "dbrx", "smaug-bpe", "falcon3", "pixtral"]
        case .qwen2: return ["qwen2", "stablelm2", "hunyuan", "megrez"]
        }
    }

    init?(ggufName: String) {
        guard let kind = Self.allCases.first(where: { $0.ggufNames.contains(ggufName) }) else { return nil }
        self = kind
    }

    /// Llama 3 vocabularies take a whole piece as one token when it is one, before merging
    /// (llama.cpp `ignore_merges`).
    var ignoresMerges: Bool { self == .llama3 }

    var sequence: PreTokenizerSequence {
        switch self {
        case .default:
            // "[\p{P}\$\+<=>\^~\|]+", the GPT-2 regex, "\p{N}+", "[0-9][0-9][0-9]"
            return PreTokenizerSequence(stages: [
                RunSplitter(maxLength: nil) { c, cls in
                    cls.contains(.punctuation) || c == 0x24 || c == 0x2B || c == 0x3C || c == 0x3D || c == 0x3E
                        || c == 0x5E || c == 0x7E || c == 0x7C
                },
                GPT2Splitter(),
                RunSplitter(maxLength: nil) { _, cls in cls.contains(.number) },
                RunSplitter(maxLength: 3) { c, _ in c >= 0x30 && c <= 0x39 },
            ])
        case .gpt2:
            return PreTokenizerSequence(stages: [GPT2Splitter()])
        case .smollm:
            return PreTokenizerSequence(stages: [
                RunSplitter(maxLength: 1) { _, cls in cls.contains(.number) }, GPT2Splitter(),
            ])
        case .llama3:
            return PreTokenizerSequence(stages: [Llama3Splitter(maxDigits: 3)])
        case .qwen2:
            return PreTokenizerSequence(stages: [Llama3Splitter(maxDigits: 1)])
        }
    }
}
