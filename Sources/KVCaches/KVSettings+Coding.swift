extension KVSettings {
    enum CodingKeys: String, CodingKey {
        case mode, budget, stride, policy, sink, recentRatio, decodingRecentRatio, protectedNewest, keepAttention
        case streamingPositions, seed, keyFormat, valueFormat
    }

    /// The storage formats are written only when they are not fp32, so the coding of every
    /// setting made before quantized KV existed — and with it each pipeline's `config_hash`
    /// (`PipelineSpec.configurationText`) — stays what it was; a missing format decodes as fp32.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encode(budget, forKey: .budget)
        try c.encode(stride, forKey: .stride)
        try c.encode(policy, forKey: .policy)
        try c.encode(sink, forKey: .sink)
        try c.encode(recentRatio, forKey: .recentRatio)
        try c.encode(decodingRecentRatio, forKey: .decodingRecentRatio)
        try c.encode(protectedNewest, forKey: .protectedNewest)
        try c.encode(keepAttention, forKey: .keepAttention)
        try c.encode(streamingPositions, forKey: .streamingPositions)
        try c.encode(seed, forKey: .seed)
        if keyFormat != .f32 { try c.encode(keyFormat, forKey: .keyFormat) }
        if valueFormat != .f32 { try c.encode(valueFormat, forKey: .valueFormat) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            mode: try c.decode(KVMode.self, forKey: .mode), budget: try c.decode(Budget.self, forKey: .budget),
            stride: try c.decode(Int.self, forKey: .stride), policy: try c.decode(PolicyName.self, forKey: .policy),
            sink: try c.decode(Int.self, forKey: .sink), recentRatio: try c.decode(Double.self, forKey: .recentRatio),
            decodingRecentRatio: try c.decode(Double.self, forKey: .decodingRecentRatio),
            protectedNewest: try c.decode(Int.self, forKey: .protectedNewest),
            keepAttention: try c.decode(Bool.self, forKey: .keepAttention),
            streamingPositions: try c.decode(Bool.self, forKey: .streamingPositions),
            seed: try c.decode(UInt64.self, forKey: .seed),
            keyFormat: try c.decodeIfPresent(KVFormat.self, forKey: .keyFormat) ?? .f32,
            valueFormat: try c.decodeIfPresent(KVFormat.self, forKey: .valueFormat) ?? .f32)
    }
}
