import LanguageModels

/// Which of issue 14's acceptance rows a model is held to, by its parameter count: the issue
/// states them for SmolLM2-135M, a 1.7B shape and a 7B shape.
public enum BenchmarkScale: String, Sendable, Codable {
    /// Under 1 B parameters (SmolLM2-135M): prefill ≥ 2.0× llama.cpp, decode ≥ 1.5×, peak RSS
    /// ≤ 1.2× llama.cpp's.
    case small
    /// 1 B to 4 B (SmolLM2-1.7B's shape): prefill ≥ 1.2×, decode ≥ 1.0×, peak RSS ≤ llama.cpp's
    /// + our KV plan.
    case medium
    /// 4 B and more (Mistral-7B's shape): prefill ≥ 1.0×, decode ≥ 0.9×, peak RSS ≤ file + KV
    /// plan + 512 MiB.
    case large

    public init(parameters: Int) {
        self = parameters < 1_000_000_000 ? .small : parameters < 4_000_000_000 ? .medium : .large
    }

    public init(_ c: ModelConfiguration) { self.init(parameters: Self.parameters(c)) }

    /// Weights of the projections and embeddings (norms are negligible): per layer Q, K, V, O and
    /// the three feed-forward matrices; the token embedding, and the output matrix unless tied.
    public static func parameters(_ c: ModelConfiguration) -> Int {
        let perLayer =
            c.hiddenSize * (c.qDim + 2 * c.kvDim) + c.qDim * c.hiddenSize + 3 * c.hiddenSize * c.feedForwardSize
        return c.layerCount * perLayer + c.vocabSize * c.hiddenSize * (c.tiedEmbeddings ? 1 : 2)
    }
}
