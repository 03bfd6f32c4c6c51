import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fetches `http`, `https` and `file` URLs with libcurl: timeouts, a body size limit, content
/// decoding, redirects followed hop by hop (loops and non-HTTP targets refused), and retries with
/// exponential backoff on 429 and 5xx that honour `Retry-After`. At most
/// `options.maxConcurrentRequests` requests run at once; each blocks a Dispatch worker thread,
/// never a Swift concurrency thread. Setting `cancellation` aborts every request in flight or
/// waiting, and every retry delay, within about a second.
public struct HTTPFetcher: Sendable {
    public let options: FetchOptions
    /// Cancels all of this fetcher's requests at once.
    public let cancellation: CancellationFlag
    private let limiter: ConcurrencyLimiter

    public init(options: FetchOptions = .init(), cancellation: CancellationFlag = CancellationFlag()) {
        self.options = options
        self.cancellation = cancellation
        self.limiter = ConcurrencyLimiter(limit: max(1, options.maxConcurrentRequests))
    }

    public func fetch(_ url: String) async throws(IngestionError) -> FetchResponse {
        try URLValidator.validate(url)
        let start = Self.now()
        var current = url
        var visited: Set<String> = [url]
        var redirects = 0
        var attempts = 0
        var retries = 0
        while true {
            if Task.isCancelled || cancellation.isCancelled { throw IngestionError(source: url, .cancelled) }
            attempts += 1
            let response = try await perform(current).get()
            switch response.status {
            case let status
            where (200...299).contains(status) || (status == 0 && current.lowercased().hasPrefix("file:")):
                let info = FetchInfo(
                    finalURL: URLValidator.redacted(response.effectiveURL), status: response.status,
                    contentType: response.contentType,
                    redirects: redirects, attempts: attempts)
                return FetchResponse(body: response.body, info: info, seconds: Self.now() - start)
            case 301, 302, 303, 307, 308:
                guard let next = response.redirectURL else {
                    throw IngestionError(source: current, .httpStatus(response.status))
                }
                redirects += 1
                if redirects > options.maxRedirects {
                    throw IngestionError(source: url, .tooManyRedirects(limit: options.maxRedirects))
                }
                guard let scheme = URLValidator.scheme(of: next), scheme != "file" else {
                    throw IngestionError(source: current, .unsupportedScheme(String(next.prefix(while: { $0 != ":" }))))
                }
                if !visited.insert(next).inserted { throw IngestionError(source: url, .redirectLoop(next)) }
                current = next
                retries = 0
            case 429, 500...599:
                guard retries < options.maxRetries else {
                    throw IngestionError(source: current, .httpStatus(response.status))
                }
                let backoff = options.initialBackoff * Double(1 << min(retries, 20))
                let delay = min(response.retryAfter ?? backoff, options.maxBackoff)
                retries += 1
                // In slices, so a cancelled fetcher does not sit out a 30 s Retry-After.
                var waited = 0.0
                while waited < delay {
                    let slice = min(0.1, delay - waited)
                    do {
                        try await Task.sleep(nanoseconds: UInt64(max(0, slice) * 1e9))
                    } catch {
                        throw IngestionError(source: url, .cancelled)
                    }
                    if cancellation.isCancelled { throw IngestionError(source: url, .cancelled) }
                    waited += slice
                }
            default:
                throw IngestionError(source: current, .httpStatus(response.status))
            }
        }
    }

    /// One request on a Dispatch worker, within the concurrency limit; a cancelled task aborts it.
    private func perform(_ url: String) async -> Result<CurlTransfer.Response, IngestionError> {
        let options = self.options
        let shared = cancellation
        return await limiter.withPermit { () async -> Result<CurlTransfer.Response, IngestionError> in
            let flag = CancellationFlag(parent: shared)
            return await withTaskCancellationHandler {
                await withCheckedContinuation {
                    (continuation: CheckedContinuation<Result<CurlTransfer.Response, IngestionError>, Never>) in
                    DispatchQueue.global().async {
                        let result: Result<CurlTransfer.Response, IngestionError>
                        do throws(IngestionError) {
                            result = try CurlTransfer.perform(url: url, options: options, cancellation: flag)
                            continuation.resume(returning: result)
                        } catch {
                            continuation.resume(returning: .failure(error))
                        }
                    }
                }
            } onCancel: {
                flag.cancel()
            }
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension CurlTransfer {
    /// Creates a handle, performs one request, and frees the handle.
    static func perform(url: String, options: FetchOptions, cancellation: CancellationFlag) throws(IngestionError)
        -> Result<Response, IngestionError>
    {
        try CurlTransfer(url: url).perform(options: options, cancellation: cancellation)
    }
}
