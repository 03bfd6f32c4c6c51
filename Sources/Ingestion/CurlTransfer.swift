internal import CCurl
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `curl_global_init` once per process, before the first handle (libcurl docs: not thread-safe).
enum CurlGlobal {
    private static let initialized: Void = {
        // CURL_GLOBAL_ALL (curl.h): CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32.
        _ = curl_global_init(3)
    }()

    static func ensureInitialized() { _ = initialized }
}

/// One HTTP request on its own libcurl easy handle, which is freed in `deinit`. Redirects are
/// not followed here: `HTTPFetcher` follows them hop by hop so it can detect loops and check
/// each target's scheme.
final class CurlTransfer {
    /// What one request produced.
    struct Response {
        var status: Int
        var body: [UInt8]
        var contentType: String?
        /// The absolute target of a redirect response.
        var redirectURL: String?
        /// The server's `Retry-After`, in seconds (libcurl parses both forms, CURLINFO_RETRY_AFTER).
        var retryAfter: Double?
        var effectiveURL: String
    }

    /// State the C callbacks reach through their context pointer.
    private final class State {
        var body: [UInt8] = []
        let limit: Int
        var exceeded = false
        /// The address a connection was refused for (`FetchOptions.blockPrivateAddresses`).
        var blockedAddress: String?
        let cancellation: CancellationFlag
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

        init(limit: Int, cancellation: CancellationFlag) {
            self.limit = limit
            self.cancellation = cancellation
            errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        }

        deinit { errorBuffer.deallocate() }
    }

    private let handle: UnsafeMutableRawPointer
    private let url: String

    init(url: String) throws(IngestionError) {
        CurlGlobal.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw IngestionError(source: url, .fetchFailed("curl_easy_init failed"))
        }
        self.handle = handle
        self.url = url
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs the request, blocking the calling thread.
    func perform(options: FetchOptions, cancellation: CancellationFlag) -> Result<Response, IngestionError> {
        let state = State(limit: options.maxBodyBytes, cancellation: cancellation)
        let context = Unmanaged.passUnretained(state).toOpaque()
        let h = handle
        if cancellation.isCancelled { return .failure(IngestionError(source: url, .cancelled)) }
        if options.blockPrivateAddresses {
            if let host = URLValidator.host(of: url), let address = SpecialAddress.blocked(host: host) {
                return .failure(IngestionError(source: url, .blockedAddress(address)))
            }
            // Every connection's address, after DNS: a name that resolves to 127.0.0.1 or
            // 169.254.169.254 is refused too, on each redirect hop (each is its own transfer).
            _ = easykv_curl_setopt_opensocket_callback(h) { context, _, address in
                guard let context, let address else { return -1 }
                let state = Unmanaged<State>.fromOpaque(context).takeUnretainedValue()
                let family = address.pointee.family
                let socketAddress = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \.addr)!
                if let blocked = SpecialAddress.blocked(socketAddress) {
                    state.blockedAddress = blocked
                    return -1  // CURL_SOCKET_BAD: curl gives up on this address
                }
                // What curl does itself without a callback (lib/cf-socket.c, socket_open).
                return socket(family, address.pointee.socktype, address.pointee.protocol)
            }
            _ = easykv_curl_setopt_pointer(h, CURLOPT_OPENSOCKETDATA, context)
        }
        _ = easykv_curl_setopt_string(h, CURLOPT_URL, url)
        _ = easykv_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)  // threads: no SIGALRM for DNS timeouts
        _ = easykv_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        _ = easykv_curl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https,file")
        _ = easykv_curl_setopt_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = easykv_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        _ = easykv_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, Self.milliseconds(options.totalTimeout))
        _ = easykv_curl_setopt_string(h, CURLOPT_ACCEPT_ENCODING, "")  // every encoding this libcurl decodes
        _ = easykv_curl_setopt_string(h, CURLOPT_USERAGENT, options.userAgent)
        _ = easykv_curl_setopt_off_t(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxBodyBytes))
        _ = easykv_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, state.errorBuffer)
        _ = easykv_curl_setopt_data_callback(h, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            let state = Unmanaged<State>.fromOpaque(context).takeUnretainedValue()
            let n = size * count
            if state.body.count + n > state.limit {
                state.exceeded = true
                return 0  // curl aborts with CURLE_WRITE_ERROR
            }
            if n > 0, let data { state.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
            return n
        }
        _ = easykv_curl_setopt_pointer(h, CURLOPT_WRITEDATA, context)
        _ = easykv_curl_setopt_long(h, CURLOPT_NOPROGRESS, 0)
        _ = easykv_curl_setopt_progress_callback(h) { context, _, _, _, _ in
            guard let context else { return 0 }
            return Unmanaged<State>.fromOpaque(context).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
        }
        _ = easykv_curl_setopt_pointer(h, CURLOPT_XFERINFODATA, context)

        let code = withExtendedLifetime(state) { curl_easy_perform(h) }

        var status = 0
        _ = easykv_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        var expected: curl_off_t = -1
        _ = easykv_curl_getinfo_off_t(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected)

        if code != CURLE_OK {
            return .failure(error(for: code, state: state, options: options, expected: expected))
        }
        var contentType: UnsafeMutablePointer<CChar>?
        _ = easykv_curl_getinfo_string(h, CURLINFO_CONTENT_TYPE, &contentType)
        var redirect: UnsafeMutablePointer<CChar>?
        _ = easykv_curl_getinfo_string(h, CURLINFO_REDIRECT_URL, &redirect)
        var effective: UnsafeMutablePointer<CChar>?
        _ = easykv_curl_getinfo_string(h, CURLINFO_EFFECTIVE_URL, &effective)
        var retryAfter: curl_off_t = 0
        _ = easykv_curl_getinfo_off_t(h, CURLINFO_RETRY_AFTER, &retryAfter)
        return .success(
            Response(
                status: status, body: state.body, contentType: contentType.map { String(cString: $0) },
                redirectURL: redirect.map { String(cString: $0) },
                retryAfter: retryAfter > 0 ? Double(retryAfter) : nil,
                effectiveURL: effective.map { String(cString: $0) } ?? url))
    }

    private func error(for code: CURLcode, state: State, options: FetchOptions, expected: curl_off_t) -> IngestionError
    {
        let detail: String = {
            let buffer = String(cString: state.errorBuffer)
            return buffer.isEmpty ? String(cString: curl_easy_strerror(code)) : buffer
        }()
        if let address = state.blockedAddress, code == CURLE_COULDNT_CONNECT {
            return IngestionError(source: url, .blockedAddress(address))
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            let connecting = detail.lowercased().contains("connect")
            return IngestionError(
                source: url, .timeout(seconds: connecting ? options.connectTimeout : options.totalTimeout))
        case CURLE_FILESIZE_EXCEEDED: return IngestionError(source: url, .tooLarge(limit: options.maxBodyBytes))
        case CURLE_WRITE_ERROR where state.exceeded:
            return IngestionError(source: url, .tooLarge(limit: options.maxBodyBytes))
        case CURLE_PARTIAL_FILE:
            return IngestionError(
                source: url, .truncatedBody(received: state.body.count, expected: expected > 0 ? Int(expected) : nil))
        case CURLE_RECV_ERROR where !state.body.isEmpty:
            return IngestionError(
                source: url, .truncatedBody(received: state.body.count, expected: expected > 0 ? Int(expected) : nil))
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING,
            CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            return IngestionError(source: url, .connectionFailed(detail))
        case CURLE_UNSUPPORTED_PROTOCOL:
            return IngestionError(
                source: url,
                .unsupportedScheme(URLValidator.scheme(of: url) ?? String(url.prefix(while: { $0 != ":" }))))
        case CURLE_FILE_COULDNT_READ_FILE: return IngestionError(source: url, .cannotRead(detail))
        case CURLE_ABORTED_BY_CALLBACK: return IngestionError(source: url, .cancelled)
        default: return IngestionError(source: url, .fetchFailed("\(detail) (curl error \(code.rawValue))"))
        }
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((seconds * 1000).rounded()))
    }
}
