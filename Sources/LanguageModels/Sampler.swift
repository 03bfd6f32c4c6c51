import Kernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the next token is chosen.
public struct SamplingSettings: Sendable, Equatable {
    /// 0 means greedy (argmax, ties to the lowest id).
    public var temperature: Double
    /// Nucleus filter with EasyKV's rule (EASYKV-SPEC §8): token `i` (sorted by probability) is
    /// dropped when the mass strictly before it already exceeds `topP`.
    public var topP: Double
    /// Keep only the `topK` most likely tokens; 0 disables.
    public var topK: Int
    public var seed: UInt64

    public init(temperature: Double = 0, topP: Double = 1, topK: Int = 0, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
    }

    public static let greedy = SamplingSettings()
}

/// Draws tokens from logits; seeded, so a run repeats exactly.
public struct Sampler: Sendable {
    public let settings: SamplingSettings
    private var random: SplitMix64

    public init(_ settings: SamplingSettings) {
        self.settings = settings
        random = SplitMix64(seed: settings.seed)
    }

    /// The index of the largest logit; ties go to the lowest index.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        var value = -Float.infinity
        for (i, v) in logits.enumerated() where v > value {
            value = v
            best = i
        }
        return best
    }

    public mutating func sample(_ logits: [Float]) -> Int {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int {
        if settings.temperature <= 0 { return Self.argmax(logits) }
        let probabilities = Self.filteredDistribution(logits, settings: settings)
        // One draw from the filtered distribution (inverse CDF over the kept tokens).
        let u = Double(random.next() >> 11) * 0x1.0p-53
        var cumulative = 0.0
        for (id, p) in probabilities {
            cumulative += p
            if u < cumulative { return id }
        }
        return probabilities.last!.id
    }

    /// The distribution sampling draws from: softmax(logits / T), then top-k, then top-p,
    /// renormalised; sorted by descending probability (ties by id).
    public static func filteredDistribution(_ logits: UnsafeBufferPointer<Float>, settings: SamplingSettings)
        -> [(id: Int, p: Double)]
    {
        let t = settings.temperature
        var m = -Double.infinity
        for v in logits where Double(v) / t > m { m = Double(v) / t }
        var items: [(id: Int, p: Double)] = []
        items.reserveCapacity(logits.count)
        var total = 0.0
        for (i, v) in logits.enumerated() {
            let e = exp(Double(v) / t - m)
            items.append((i, e))
            total += e
        }
        items.sort { $0.p > $1.p || ($0.p == $1.p && $0.id < $1.id) }
        if settings.topK > 0 && settings.topK < items.count { items.removeSubrange(settings.topK...) }
        var kept: [(id: Int, p: Double)] = []
        var before = 0.0
        for item in items {
            let p = item.p / total
            if before > settings.topP { break }  // mass strictly before this token exceeds top_p
            kept.append((item.id, p))
            before += p
        }
        let sum = kept.reduce(0) { $0 + $1.p }
        return kept.map { ($0.id, $0.p / sum) }
    }
}
