/// Everything that can go wrong turning an input into a `Document`. Each message names the file or
/// URL and the problem, so one error record is enough to find and fix the input.
public struct IngestionError: Error, CustomStringConvertible, Equatable, Hashable, Sendable {
    /// What went wrong, without the file or URL.
    public enum Reason: Equatable, Hashable, Sendable {
        // Sources
        case cannotRead(String)
        case notARegularFile
        case invalidURL(String)
        case unsupportedScheme(String)
        case invalidJSONLine(line: Int, why: String)
        case invalidPattern(String)
        /// A symbolic link in an input folder leads outside it (to the path given).
        case outsideInput(String)
        /// A JSON Lines or URL list entry names a local file (the path or URL given).
        case localPathRefused(String)
        // Fetching
        case timeout(seconds: Double)
        case tooLarge(limit: Int)
        case httpStatus(Int)
        case redirectLoop(String)
        case tooManyRedirects(limit: Int)
        case truncatedBody(received: Int, expected: Int?)
        case connectionFailed(String)
        case fetchFailed(String)
        case cancelled
        /// The host resolved to a private, loopback or link-local address (the address given).
        case blockedAddress(String)
        // Content
        case emptyDocument
        case unsupportedMediaType(String)
        case compressedContent(String)
        case malformedMarkup(line: Int, message: String)
        case nestingTooDeep(limit: Int)
        case entityExpansion(String)
    }

    /// The file path or URL (or `jsonl-file:line`, `stdin`) the problem belongs to.
    public let source: String
    public let reason: Reason

    /// A URL's credentials (`user:pass@`) never reach a message or a record (issue 16 item 18).
    public init(source: String, _ reason: Reason) {
        self.source = URLValidator.redacted(source)
        self.reason = reason
    }

    public var description: String { "\(source): \(detail)" }

    /// A short machine-friendly name of the reason, for error records (`"timeout"`, `"too_large"`).
    public var kind: String {
        switch reason {
        case .cannotRead: return "cannot_read"
        case .notARegularFile: return "not_a_regular_file"
        case .invalidURL: return "invalid_url"
        case .unsupportedScheme: return "unsupported_scheme"
        case .invalidJSONLine: return "invalid_json_line"
        case .invalidPattern: return "invalid_pattern"
        case .outsideInput: return "outside_input"
        case .localPathRefused: return "local_path_refused"
        case .blockedAddress: return "blocked_address"
        case .timeout: return "timeout"
        case .tooLarge: return "too_large"
        case .httpStatus: return "http_status"
        case .redirectLoop: return "redirect_loop"
        case .tooManyRedirects: return "too_many_redirects"
        case .truncatedBody: return "truncated_body"
        case .connectionFailed: return "connection_failed"
        case .fetchFailed: return "fetch_failed"
        case .cancelled: return "cancelled"
        case .emptyDocument: return "empty_document"
        case .unsupportedMediaType: return "unsupported_media_type"
        case .compressedContent: return "compressed_content"
        case .malformedMarkup: return "malformed_markup"
        case .nestingTooDeep: return "nesting_too_deep"
        case .entityExpansion: return "entity_expansion"
        }
    }

    /// The problem alone, for callers that already print the source.
    public var detail: String {
        switch reason {
        case .cannotRead(let why): return "cannot read: \(why)"
        case .notARegularFile: return "not a regular file"
        case .invalidURL(let why): return "invalid URL: \(why)"
        case .unsupportedScheme(let scheme): return "unsupported URL scheme '\(scheme)' (allowed: http, https, file)"
        case .invalidJSONLine(let line, let why): return "line \(line): \(why)"
        case .invalidPattern(let why): return "invalid glob pattern: \(why)"
        case .outsideInput(let target):
            return
                "symbolic link leads outside the input folder (to \(target)); set input.follow_symlinks_outside: true to read it"
        case .localPathRefused(let path):
            return
                "names a local file (\(URLValidator.redacted(path))), which entries of a JSON Lines or URL list may not; set input.allow_local_paths: true to allow it"
        case .blockedAddress(let address):
            return
                "connects to \(address), a loopback, private or link-local address; set input.block_private_addresses: false to allow it"
        case .timeout(let seconds): return "timed out after \(Self.format(seconds)) s"
        case .tooLarge(let limit): return "larger than the limit of \(limit) bytes"
        case .httpStatus(let status): return "HTTP status \(status)"
        case .redirectLoop(let url): return "redirect loop (back to \(URLValidator.redacted(url)))"
        case .tooManyRedirects(let limit): return "more than \(limit) redirects"
        case .truncatedBody(let received, let expected):
            if let expected { return "body truncated: received \(received) of \(expected) bytes" }
            return "body truncated after \(received) bytes"
        case .connectionFailed(let why): return "connection failed: \(why)"
        case .fetchFailed(let why): return "fetch failed: \(why)"
        case .cancelled: return "cancelled"
        case .emptyDocument: return "no text found (empty, whitespace only, or nothing but markup)"
        case .unsupportedMediaType(let type): return "unsupported media type \(type)"
        case .compressedContent(let why): return "compressed content: \(why)"
        case .malformedMarkup(let line, let message): return "malformed markup at line \(line): \(message)"
        case .nestingTooDeep(let limit): return "elements nested deeper than \(limit) levels"
        case .entityExpansion(let why): return "entity expansion refused: \(why)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format3: seconds)
    }
}

extension String {
    /// `1.25` → `"1.25"`, at most three decimals, without Foundation.
    init(format3 value: Double) {
        let scaled = (value * 1000).rounded()
        let whole = Int(scaled / 1000)
        var fraction = String(Int(abs(scaled).truncatingRemainder(dividingBy: 1000)))
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        self = fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }
}
