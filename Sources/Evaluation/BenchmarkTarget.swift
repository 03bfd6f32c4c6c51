/// One acceptance target of issue 9 or 14, met or not (nil when a figure it needs is missing).
public struct BenchmarkTarget: Sendable, Codable, Equatable {
    /// Which side of `required` meets the target.
    public enum Bound: String, Sendable, Codable {
        /// `value >= required` (speed ratios).
        case atLeast = "at_least"
        /// `value <= required` (memory).
        case atMost = "at_most"
    }

    public var name: String
    public var value: Double?
    public var required: Double
    /// `ratio` (ours / theirs) or `MiB`.
    public var unit: String
    public var bound: Bound

    public init(name: String, value: Double?, required: Double, unit: String, bound: Bound = .atLeast) {
        self.name = name
        self.value = value
        self.required = required
        self.unit = unit
        self.bound = bound
    }

    public var met: Bool? {
        guard let value else { return nil }
        return bound == .atLeast ? value >= required : value <= required
    }
}
