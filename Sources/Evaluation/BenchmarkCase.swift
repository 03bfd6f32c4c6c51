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
    /// False: the naive reference path, run on `BenchmarkRunner.reference` (an `--exact` load
    /// holding no fp32 copy) with `LlamaModel.quantizedRowLimit = 0`, so every product, decode
    /// steps included, dequantizes a tile of weight rows and multiplies it with fp32 `sgemm`.
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

    public static func prefill(
        _ tokens: Int, stride: Int, _ budget: CacheBudget = .full, quantized: Bool = true
    ) -> BenchmarkCase {
        BenchmarkCase(kind: .prefill, promptTokens: tokens, stride: stride, budget: budget, quantized: quantized)
    }

    public static func decode(
        depth: Int, _ budget: CacheBudget = .full, tokens: Int = 128, batch: Int = 1, quantized: Bool = true
    ) -> BenchmarkCase {
        BenchmarkCase(
            kind: .decode, promptTokens: depth, budget: budget, newTokens: tokens, batch: batch, quantized: quantized)
    }

    /// A stable name, e.g. `prefill/p7000/s512/b0.25`, `decode/d16/tg128/full/x4`,
    /// `prefill/p512/s512/full/fp32`.
    public var id: String {
        var name =
            switch kind {
            case .prefill: "prefill/p\(promptTokens)/s\(stride)/\(budget)"
            case .decode: "decode/d\(promptTokens)/tg\(newTokens)/\(budget)"
            }
        if batch > 1 { name += "/x\(batch)" }
        if !quantized { name += "/fp32" }
        return name
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
    /// missing: for a prefill at another stride or under a budget, stride 512 with the full
    /// cache (what the stride or the budget gains); for that one and for decode, the naive fp32
    /// path (`quantized == false`), decode over at most `naiveDecodeSteps` steps.
    public var naiveReference: BenchmarkCase? {
        guard quantized else { return nil }
        var reference = self
        switch kind {
        case .prefill:
            let full = BenchmarkCase.prefill(promptTokens, stride: 512)
            guard full == self else { return full }
            reference.quantized = false
        case .decode:
            reference.quantized = false
            reference.newTokens = min(newTokens, Self.naiveDecodeSteps)
        }
        return reference
    }

    /// Decode steps of a naive reference: each dequantizes every weight of the model, so a 7B
    /// model takes seconds a step; tokens/s barely changes with a few more steps of context.
    public static let naiveDecodeSteps = 8
}
