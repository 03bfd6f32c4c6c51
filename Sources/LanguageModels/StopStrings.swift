/// Finds user stop strings in streamed text. Text that could still become a stop string is held
/// back, so what is emitted never contains (or ends inside) one.
public struct StopStrings: Sendable {
    public let strings: [String]
    private var held = ""
    public private(set) var stopped = false

    public init(_ strings: [String]) { self.strings = strings.filter { !$0.isEmpty } }

    /// Takes the next piece of text; returns what may be shown now.
    public mutating func push(_ piece: String) -> String {
        guard !stopped else { return "" }
        held += piece
        if let hit = strings.compactMap({ held.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            stopped = true
            let out = String(held[..<hit.lowerBound])
            held = ""
            return out
        }
        // Keep the longest tail that is a prefix of some stop string.
        var keep = 0
        for s in strings {
            for n in stride(from: min(s.count - 1, held.count), to: 0, by: -1) where held.hasSuffix(s.prefix(n)) {
                keep = max(keep, n)
                break
            }
        }
        let cut = held.index(held.endIndex, offsetBy: -keep)
        let out = String(held[..<cut])
        held = String(held[cut...])
        return out
    }

    /// The held-back text at the end of generation.
    public mutating func finish() -> String {
        defer { held = "" }
        return stopped ? "" : held
    }
}
