/// `full`: never evicts (encoding still prefills in chunks).
public struct FullPolicy: EvictionPolicy {
    public var statistics: StatisticsUse { .none }
    public func select(_ context: EvictionContext, random: inout SplitMix64) -> [Int] { [] }
}
