/// A JSON value written with its object keys in the order given, so every record line reads the
/// same way (Foundation's encoder does not promise an order): the one writer of the hand-built
/// JSON Lines records (extraction here, pipeline output and run reports in BatchPipeline).
public enum JSONText: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    /// A number already written as JSON (`0.5`, `512`).
    case number(String)
    case object([(String, JSONText)])

    /// One line of JSON (no newline inside: control characters in strings are escaped).
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .string(let s): Self.quote(s, into: &out)
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .number(let text): out += text
        case .object(let fields):
            out += "{"
            for (k, (key, value)) in fields.enumerated() {
                if k > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    /// An RFC 8259 string literal (`JSONString.quoted`, shared with Ingestion's records).
    static func quote(_ s: String, into out: inout String) { out += JSONString.quoted(s) }
}
