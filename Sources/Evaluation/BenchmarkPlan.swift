/// Which figures `easykv bench` measures: `--quick`, the full matrix, or `--large-model`.
public enum BenchmarkPlan: String, Sendable, Codable, CaseIterable {
    /// Issue 9's matrix: prefill at strides 8, 64, 256, 512 × prompts 512, 2048, 7000 × full,
    /// 0.5, 0.25; decode (tg128) after a short prompt and after 2,048 tokens with the full cache
    /// and a 256-token cache; batches of 1, 4 and 8.
    case full
    /// What issue 9's and 14's targets need for the default model, in a couple of minutes:
    /// prefill at stride 8 and 512 on 512 tokens, 2,048 tokens at stride 512, 7,000 tokens at
    /// stride 512 full and at 0.25, and every decode figure.
    case quick
    /// Issue 14's figures for 1.7B–8B models, where every case costs seconds to minutes:
    /// prefill p512 (stride 512, full cache) and decode tg64 after those 512 tokens.
    case large

    public var cases: [BenchmarkCase] {
        switch self {
        case .full:
            var cases: [BenchmarkCase] = []
            for tokens in [512, 2048, 7000] {
                for stride in [8, 64, 256, 512] {
                    for budget in [BenchmarkCase.CacheBudget.full, .prompt(0.5), .prompt(0.25)] {
                        cases.append(.prefill(tokens, stride: stride, budget))
                    }
                }
            }
            return cases + Self.decodeCases
        case .quick:
            return [
                .prefill(512, stride: 8), .prefill(512, stride: 512), .prefill(2048, stride: 512),
                .prefill(7000, stride: 512), .prefill(7000, stride: 512, .prompt(0.25)),
            ] + Self.decodeCases
        case .large:
            return [.prefill(512, stride: 512), .decode(depth: 512, tokens: 64)]
        }
    }

    /// What the peak-RSS probe runs in a fresh process: issue 9's budgeted 7,000-token prefill,
    /// or for large models the work of `cases` (512 tokens in, 64 out, full cache).
    public var memoryCase: BenchmarkCase {
        switch self {
        case .full, .quick: .prefill(7000, stride: 512, .prompt(0.25))
        case .large: .decode(depth: 512, tokens: 64)
        }
    }

    /// The key of llama.cpp's peak RSS for the same work in `BenchmarkBaseline.memory`
    /// (`tools/bench/llama_baseline.py` writes these keys).
    public var memoryKey: String {
        switch self {
        case .full, .quick: "memory/p7000"
        case .large: "memory/p512/tg64"
        }
    }

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
