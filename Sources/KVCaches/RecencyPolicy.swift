/// `recency` (StreamingLLM-like, EASYKV-SPEC §7.1): drops the oldest tokens after the sink,
/// from every layer and head. Prefill drops `[sink, sink+s)`; decoding drops the oldest generated
/// token (the whole prompt acts as the sink); encoding-decoding drops slot `sink`.
public struct RecencyPolicy: EvictionPolicy {
    public var statistics: StatisticsUse { .none }
    public var evictsBlocks: Bool { true }

    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] {
        let start = context.phase == .decode ? context.first : min(context.sink, context.end - context.count)
        return Array(start..<(start + context.count))
    }
}
