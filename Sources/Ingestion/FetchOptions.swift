/// Limits and manners for fetching URLs.
public struct FetchOptions: Sendable, Hashable {
    /// Sent with every request. The URL names the project, as crawler etiquette asks.
    public static let defaultUserAgent = "easykv/0.1 (+https://github.com/easykv/easykv-swift)"

    /// Seconds to establish a connection (DNS, TCP, TLS).
    public var connectTimeout: Double
    /// Seconds for one request from start to last byte; each redirect hop and retry gets its own.
    public var totalTimeout: Double
    public var maxRedirects: Int
    /// Largest body accepted, after content decoding. Enforced while receiving, with or without
    /// a `Content-Length`.
    public var maxBodyBytes: Int
    /// Retries after 429 or 5xx answers (so at most `maxRetries + 1` attempts).
    public var maxRetries: Int
    /// First retry delay in seconds when the server sends no `Retry-After`; doubles each retry.
    public var initialBackoff: Double
    /// Upper bound on any retry delay, including a server's `Retry-After`.
    public var maxBackoff: Double
    /// Requests in flight at once, per fetcher.
    public var maxConcurrentRequests: Int
    public var userAgent: String
    /// Refuse connections to loopback, private and link-local addresses (`SpecialAddress`),
    /// checked on each connection's address after DNS. Off here; pipelines turn it on by default
    /// (`InputPolicy.blockPrivateAddresses`).
    public var blockPrivateAddresses = false

    public init(
        connectTimeout: Double = 10, totalTimeout: Double = 60, maxRedirects: Int = 5,
        maxBodyBytes: Int = DocumentLoader.Options.defaultMaxBytes, maxRetries: Int = 3, initialBackoff: Double = 0.5,
        maxBackoff: Double = 30, maxConcurrentRequests: Int = 8, userAgent: String = FetchOptions.defaultUserAgent
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxRedirects = maxRedirects
        self.maxBodyBytes = maxBodyBytes
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxConcurrentRequests = maxConcurrentRequests
        self.userAgent = userAgent
    }
}

/// A fetched body with what the server said about it.
public struct FetchResponse: Sendable, Hashable {
    public var body: [UInt8]
    public var info: FetchInfo
    /// Seconds from the first request to the last byte, retries and redirects included.
    public var seconds: Double
}
