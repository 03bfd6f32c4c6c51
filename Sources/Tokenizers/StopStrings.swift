import Foundation

/// Finds user stop strings in streamed text — the one stop-string matcher of `generate`, the
/// pipeline and the evaluations. Text that could still become a stop string is held back, so
/// what is emitted never contains (or ends inside) one; `text` is everything emitted so far.
public struct StopStrings: Sendable {
    public let strings: [String]
    private var held = ""
    public private(set) var stopped = false
    /// Everything emitted so far: the output text, cut before the first stop string.
    public private(set) var text = ""
    /// Turns generated ids into text in whole characters, control tokens left out.
    private var decoder: StreamingDecoder?

    public init(_ strings: [String]) { self.strings = strings.filter { !$0.isEmpty } }

    /// A matcher fed with token ids, decoded by `tokenizer`.
    public init(_ strings: [String], tokenizer: any Tokenizer) {
        self.init(strings)
        decoder = tokenizer.makeStreamingDecoder(skipSpecial: true)
    }

    /// Takes the next generated id (needs the tokenizer initialiser); returns what may be shown now.
    public mutating func push(token: Int) -> String {
        guard var d = decoder else { preconditionFailure("StopStrings(_:tokenizer:) takes tokens") }
        let piece = d.push(token)
        decoder = d
        return push(piece)
    }

    /// Takes the next piece of text; returns what may be shown now.
    public mutating func push(_ piece: String) -> String {
        let out = hold(piece)
        text += out
        return out
    }

    private mutating func hold(_ piece: String) -> String {
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

    /// The held-back text at the end of generation (with the decoder's unfinished character).
    public mutating func finish() -> String {
        var tail = ""
        if var d = decoder {
            tail = hold(d.finish())
            decoder = d
        }
        defer { held = "" }
        let out = tail + (stopped ? "" : held)
        text += out
        return out
    }
}
