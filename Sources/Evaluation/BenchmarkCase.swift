/// One model figure of `easykv bench` (issue 9): a prefill or a decode measurement with its KV
/// settings, and the key of the llama.cpp figure it is compared with.
public struct BenchmarkCase: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Prompt processing: tokens/s over the whole prompt (first token included).
        case prefill
        /// Generation: tokens/s over `newTokens` decode steps after the first token, summed over
        /// the batch.
        case decode
    }

    /// The KV budget of a case.
    public enum CacheBudget: Sendable, Hashable, Codable, CustomStringConvertible {
        /// No eviction.
        case full
        /// `--kv-mode encoding --budget f`: the prompt is compressed to this fraction (roco).
        case prompt(Double)
        /// `--kv-mode auto --budget n`: the whole cache holds at most `n` tokens, prompt and
        /// generated ones (roco), so decode attention stays flat.
        case total(Int)

        public var description: String {
            switch self {
            case .full: "full"
            case .prompt(let f): "b\(f)"
            case .total(let n): "kv\(n)"
            }
        }
    }

    public var kind: Kind
    public var promptTokens: Int
    public var stride: Int
    public var budget: CacheBudget
    /// Decode steps measured (the first generated token comes from the prefill).
    public var newTokens: Int
    /// Sequences decoded together (continuous batching).
    public var batch: Int
    /// False: the naive reference path, every product through fp32 `sgemm`
    /// (`LlamaModel.quantizedRowLimit = 0`).
    public var quantized: Bool

    public init(
        kind: Kind, promptTokens: Int, stride: Int = 512, budget: CacheBudget = .full, newTokens: Int = 0,
        batch: Int = 1, quantized: Bool = true
    ) {
        self.kind = kind
        self.promptTokens = promptTokens
        self.stride = stride
        self.budget = budget
        self.newTokens = newTokens
        self.batch = batch
        self.quantized = quantized
    }

    public static func prefill(_ tokens: Int, stride: Int, _ budget: CacheBudget = .full) -> BenchmarkCase {
        BenchmarkCase(kind: .prefill, promptTokens: tokens, stride: stride, budget: budget)
    }

    public static func decode(
        depth: Int, _ budget: CacheBudget = .full, tokens: Int = 128, batch: Int = 1, quantized: Bool = true
    ) -> BenchmarkCase {
        BenchmarkCase(
            kind: .decode, promptTokens: depth, budget: budget, newTokens: tokens, batch: batch, quantized: quantized)
    }

    /// A stable name, e.g. `prefill/p7000/s512/b0.25`, `decode/d16/tg128/full/x4`.
    public var id: String {
        switch kind {
        case .prefill:
            return "prefill/p\(promptTokens)/s\(stride)/\(budget)"
        case .decode:
            var name = "decode/d\(promptTokens)/tg\(newTokens)/\(budget)"
            if batch > 1 { name += "/x\(batch)" }
            if !quantized { name += "/fp32" }
            return name
        }
    }

    /// The key of the llama.cpp figure for the same work: llama.cpp has no KV budget, so a
    /// budgeted case is compared with llama.cpp's full cache on the same prompt (the budget's
    /// saving is what the comparison shows). `tools/bench/llama_baseline.py` writes these keys.
    public var baselineKey: String {
        switch kind {
        case .prefill: "prefill/p\(promptTokens)/s\(stride)"
        case .decode:
            batch > 1 ? "decode/d\(promptTokens)/tg\(newTokens)/x\(batch)" : "decode/d\(promptTokens)/tg\(newTokens)"
        }
    }

    /// Our own reference for the same figure, measured in the same run, for when llama.cpp's is
    /// missing: the fp32 `sgemm` path for decode (over 32 steps), stride 512 with the full cache
    /// for prefill.
    public var naiveReference: BenchmarkCase? {
        switch kind {
        case .prefill:
            let reference = BenchmarkCase.prefill(promptTokens, stride: 512)
            return reference == self ? nil : reference
        case .decode:
            // 32 steps: the fp32 path decodes at a tenth of the speed, and tokens/s barely
            // changes with 32 more or fewer tokens of context.
            guard quantized else { return nil }
            var reference = self
            reference.quantized = false
            reference.newTokens = min(newTokens, 32)
            return reference
        }
    }
}

/// The figures `easykv bench` measures.
public enum BenchmarkPlan {
    /// Issue 9's matrix: prefill at strides 8, 64, 256, 512 × prompts 512, 2048, 7000 × full,
    /// 0.5, 0.25; decode (tg128) after a short prompt and after 2,048 tokens with the full cache
    /// and a 256-token cache; batches of 1, 4 and 8.
    public static let full: [BenchmarkCase] = {
        var cases: [BenchmarkCase] = []
        for tokens in [512, 2048, 7000] {
            for stride in [8, 64, 256, 512] {
                for budget in [BenchmarkCase.CacheBudget.full, .prompt(0.5), .prompt(0.25)] {
                    cases.append(.prefill(tokens, stride: stride, budget))
                }
            }
        }
        return cases + decodeCases
    }()

    /// What the targets need, in a couple of minutes: prefill at stride 8 and 512 on 512
    /// tokens, 2,048 tokens at stride 512, 7,000 tokens at stride 512 full and at 0.25, and
    /// every decode figure.
    public static let quick: [BenchmarkCase] =
        [
            .prefill(512, stride: 8), .prefill(512, stride: 512), .prefill(2048, stride: 512),
            .prefill(7000, stride: 512), .prefill(7000, stride: 512, .prompt(0.25)),
        ] + decodeCases

    static let decodeCases: [BenchmarkCase] = [
        .decode(depth: 16), .decode(depth: 2048), .decode(depth: 2048, .total(256)),
        .decode(depth: 16, batch: 4), .decode(depth: 16, batch: 8),
    ]

    /// `cases` plus the naive references the figures without a llama.cpp value need.
    public static func withReferences(_ cases: [BenchmarkCase], baseline: [String: Double]) -> [BenchmarkCase] {
        var all = cases
        for c in cases where baseline[c.baselineKey] == nil {
            if let reference = c.naiveReference, !all.contains(reference) { all.append(reference) }
        }
        return all
    }
}
