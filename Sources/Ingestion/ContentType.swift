/// A parsed `Content-Type` header value: `text/html; charset="ISO-8859-1"`.
struct ContentType: Equatable {
    /// Lowercased `type/subtype`, without parameters.
    var mime: String
    /// Lowercased `charset` parameter, if present.
    var charset: String?

    /// Parses RFC 9110 §8.3 `media-type`, leniently: unknown parameters are ignored, quotes removed.
    init(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        mime = (parts.first.map(String.init) ?? "").trimmingASCIIWhitespace().lowercased()
        charset = nil
        for parameter in parts.dropFirst() {
            guard let eq = parameter.firstIndex(of: "=") else { continue }
            let name = String(parameter[..<eq]).trimmingASCIIWhitespace().lowercased()
            var value = String(parameter[parameter.index(after: eq)...]).trimmingASCIIWhitespace()
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            if name == "charset", !value.isEmpty { charset = value.lowercased() }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
