/// Checks URLs before they reach libcurl: only `http`, `https` and `file`, with a host for the
/// network schemes and no whitespace or control characters.
enum URLValidator {
    static let allowedSchemes: Set<String> = ["http", "https", "file"]

    /// The lowercased scheme of an absolute URL, if the string has one of the allowed schemes.
    static func scheme(of string: String) -> String? {
        guard let colon = string.firstIndex(of: ":") else { return nil }
        let scheme = string[..<colon].lowercased()
        guard allowedSchemes.contains(scheme), string[colon...].hasPrefix("://") else { return nil }
        return scheme
    }

    /// `url` with its credentials (`user:pass@`) replaced by `***@`, so they reach no message or
    /// record (issue 16 item 18); anything that is not a URL with credentials is returned as is.
    static func redacted(_ url: String) -> String {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return url }
        let scheme = url[..<colon]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return url }
        let start = url.index(colon, offsetBy: 3)
        let authorityEnd = url[start...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        guard let at = url[start..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<start]) + "***" + String(url[at...])
    }

    /// The host of an `http(s)` URL without brackets (`[::1]` → `::1`), or nil.
    static func host(of url: String) -> String? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let rest = url[url.index(colon, offsetBy: 3)...]
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        var host = Substring(authority.split(separator: "@", omittingEmptySubsequences: false).last ?? "")
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix(while: { $0 != "]" })
        } else if let port = host.lastIndex(of: ":") {
            host = host[..<port]
        }
        return host.isEmpty ? nil : String(host)
    }

    static func validate(_ url: String) throws(IngestionError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw IngestionError(source: url, .invalidURL("not an absolute URL (scheme://...)"))
        }
        let scheme = url[..<colon].lowercased()
        guard !scheme.isEmpty,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else {
            throw IngestionError(source: url, .invalidURL("malformed scheme"))
        }
        guard allowedSchemes.contains(scheme) else { throw IngestionError(source: url, .unsupportedScheme(scheme)) }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw IngestionError(source: url, .invalidURL("contains whitespace or control characters"))
        }
        if scheme != "file" {
            let rest = url[url.index(colon, offsetBy: 3)...]
            let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
            let host = authority.split(separator: "@").last.map(String.init) ?? ""
            if host.isEmpty || host.hasPrefix(":") { throw IngestionError(source: url, .invalidURL("no host")) }
        }
    }
}
