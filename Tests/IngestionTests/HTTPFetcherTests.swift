import Foundation
import TestSupport
import Testing

@testable import Ingestion

/// The fetcher against `TestHTTPServer` on 127.0.0.1. Timeouts are a second or less so the
/// suite stays fast.
@Suite struct HTTPFetcherTests {
    static let page =
        "<!DOCTYPE html><html><head><title>Hello</title></head><body><p>Hello from loopback.</p></body></html>"

    func server() throws -> TestHTTPServer {
        let s = try TestHTTPServer()
        s.route("/ok") { _, c in
            c.respond(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: Self.page)
        }
        s.route("/missing") { _, c in c.respond(status: 404, reason: "Not Found", body: "nope") }
        s.route("/slow") { _, c in
            Thread.sleep(forTimeInterval: 3)
            c.respond(status: 200, body: "late")
        }
        s.route("/trickle") { _, c in
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n")
            for _ in 0..<100 {
                guard c.send("x") else { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        s.route("/flaky/") { r, c in
            if s.increment(r.path) == 1 {
                c.respond(status: 503, reason: "Service Unavailable", headers: ["Retry-After": "1"], body: "busy")
            } else {
                c.respond(status: 200, headers: ["Content-Type": "text/plain"], body: "recovered")
            }
        }
        s.route("/always503") { _, c in c.respond(status: 503, reason: "Service Unavailable", body: "down") }
        s.route("/ratelimited/") { r, c in
            if s.increment(r.path) <= 2 {
                c.respond(status: 429, reason: "Too Many Requests", body: "slow down")
            } else {
                c.respond(status: 200, body: "ok now")
            }
        }
        s.route("/chain/") { r, c in
            let n = Int(r.path.dropFirst("/chain/".count)) ?? 0
            if n == 0 {
                c.respond(status: 200, headers: ["Content-Type": "text/plain"], body: "end of chain")
            } else {
                c.respond(status: 302, reason: "Found", headers: ["Location": "/chain/\(n - 1)"], body: "")
            }
        }
        s.route("/loop/a") { _, c in c.respond(status: 301, reason: "Moved", headers: ["Location": "/loop/b"], body: "")
        }
        s.route("/loop/b") { _, c in
            c.respond(status: 307, reason: "Moved", headers: ["Location": "\(s.baseURL)/loop/a"], body: "")
        }
        s.route("/to-file") { _, c in
            c.respond(status: 302, reason: "Found", headers: ["Location": "file:///etc/passwd"], body: "")
        }
        s.route("/big-with-length") { _, c in c.respond(status: 200, body: [UInt8](repeating: 0x61, count: 300_000)) }
        s.route("/big-chunked") { _, c in
            c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            let chunk = String(repeating: "b", count: 10_000)
            for _ in 0..<30 { guard c.send(String(10_000, radix: 16) + "\r\n" + chunk + "\r\n") else { return } }
            c.send("0\r\n\r\n")
        }
        s.route("/truncated") { _, c in
            c.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n")
            c.send(String(repeating: "t", count: 100))
        }
        s.route("/latin1-labelled-utf8") { _, c in
            c.respond(
                status: 200, headers: ["Content-Type": "text/html; charset=utf-8"],
                body: Array("<p>Caf".utf8) + [0xE9] + Array(" au lait</p>".utf8))
        }
        s.route("/utf8-labelled-latin1") { _, c in
            c.respond(
                status: 200, headers: ["Content-Type": "text/html; charset=ISO-8859-1"], body: "<p>Café au lait</p>")
        }
        s.route("/gzip") { _, c in
            c.respond(
                status: 200, headers: ["Content-Type": "text/html", "Content-Encoding": "gzip"],
                body: (try? Fixtures.bytes("hostile/gzipped.html")) ?? [])
        }
        s.route("/hold/") { _, c in
            // Busy from request to just before the response, so a client that waits for the
            // whole response before its next request can never overlap.
            s.enter("hold")
            Thread.sleep(forTimeInterval: 0.3)
            s.leave("hold")
            c.respond(status: 200, body: "held")
        }
        return s
    }

    func fetcher(_ configure: (inout FetchOptions) -> Void = { _ in }) -> HTTPFetcher {
        var options = FetchOptions(
            connectTimeout: 1, totalTimeout: 1, maxBodyBytes: 100_000, maxRetries: 2, initialBackoff: 0.05,
            maxBackoff: 2)
        configure(&options)
        return HTTPFetcher(options: options)
    }

    func error(_ body: () async throws(IngestionError) -> FetchResponse) async -> IngestionError? {
        do throws(IngestionError) {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func okRecordsStatusURLTypeAndUserAgent() async throws {
        let s = try server()
        defer { s.stop() }
        let response = try await fetcher().fetch(s.baseURL + "/ok")
        #expect(String(decoding: response.body, as: UTF8.self) == Self.page)
        #expect(response.info.status == 200)
        #expect(response.info.finalURL == s.baseURL + "/ok")
        #expect(response.info.contentType == "text/html; charset=utf-8")
        #expect(response.info.attempts == 1)
        #expect(s.requests.first?.headers["user-agent"] == FetchOptions.defaultUserAgent)
        #expect(s.requests.first?.headers["accept-encoding"]?.contains("gzip") == true)
    }

    @Test func notFoundIsAnHTTPStatusError() async throws {
        let s = try server()
        defer { s.stop() }
        let url = s.baseURL + "/missing"
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(url) }
        #expect(e == IngestionError(source: url, .httpStatus(404)))
        #expect(e?.description == "\(url): HTTP status 404")
    }

    @Test func slowResponseTimesOut() async throws {
        let s = try server()
        defer { s.stop() }
        let start = Date()
        let e = await error { () async throws(IngestionError) in
            try await fetcher { $0.totalTimeout = 0.5 }.fetch(s.baseURL + "/slow")
        }
        #expect(e?.kind == "timeout")
        #expect(Date().timeIntervalSince(start) < 2.9)  // the server answers after 3 s
    }

    @Test func tricklingBodyTimesOut() async throws {
        let s = try server()
        defer { s.stop() }
        let start = Date()
        let e = await error { () async throws(IngestionError) in
            try await fetcher { $0.totalTimeout = 0.8 }.fetch(s.baseURL + "/trickle")
        }
        #expect(e == IngestionError(source: s.baseURL + "/trickle", .timeout(seconds: 0.8)))
        #expect(Date().timeIntervalSince(start) < 5)  // the body takes 10 s
    }

    @Test func serviceUnavailableThenSuccessHonoursRetryAfter() async throws {
        let s = try server()
        defer { s.stop() }
        let start = Date()
        let response = try await fetcher().fetch(s.baseURL + "/flaky/1")
        let elapsed = Date().timeIntervalSince(start)
        #expect(String(decoding: response.body, as: UTF8.self) == "recovered")
        #expect(response.info.attempts == 2)
        // The backoff alone would be 0.05 s; the server asked for 1 s.
        #expect(elapsed >= 0.9)
        #expect(elapsed < 3)
    }

    @Test func persistentFailureStopsAfterTheRetries() async throws {
        let s = try server()
        defer { s.stop() }
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(s.baseURL + "/always503") }
        #expect(e == IngestionError(source: s.baseURL + "/always503", .httpStatus(503)))
        #expect(s.requests.count == 3)
    }

    @Test func tooManyRequestsBacksOffExponentially() async throws {
        let s = try server()
        defer { s.stop() }
        let response = try await fetcher { $0.initialBackoff = 0.2 }.fetch(s.baseURL + "/ratelimited/1")
        #expect(response.info.attempts == 3)
        #expect(response.seconds >= 0.6)  // 0.2 + 0.4
    }

    @Test func redirectChainIsFollowed() async throws {
        let s = try server()
        defer { s.stop() }
        let response = try await fetcher().fetch(s.baseURL + "/chain/3")
        #expect(response.info.redirects == 3)
        #expect(response.info.finalURL == s.baseURL + "/chain/0")
        #expect(String(decoding: response.body, as: UTF8.self) == "end of chain")
    }

    @Test func longRedirectChainIsRefused() async throws {
        let s = try server()
        defer { s.stop() }
        let url = s.baseURL + "/chain/9"
        let e = await error { () async throws(IngestionError) in try await fetcher { $0.maxRedirects = 5 }.fetch(url) }
        #expect(e == IngestionError(source: url, .tooManyRedirects(limit: 5)))
    }

    @Test func redirectLoopIsDetected() async throws {
        let s = try server()
        defer { s.stop() }
        let url = s.baseURL + "/loop/a"
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(url) }
        #expect(e == IngestionError(source: url, .redirectLoop(url)))
        #expect(s.requests.count == 2)
    }

    @Test func redirectToAFileURLIsRefused() async throws {
        let s = try server()
        defer { s.stop() }
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(s.baseURL + "/to-file") }
        #expect(e?.kind == "unsupported_scheme")
    }

    @Test(arguments: ["/big-with-length", "/big-chunked"])
    func oversizedBodyIsRefused(_ path: String) async throws {
        let s = try server()
        defer { s.stop() }
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(s.baseURL + path) }
        #expect(e == IngestionError(source: s.baseURL + path, .tooLarge(limit: 100_000)))
    }

    @Test func truncatedBodyIsReported() async throws {
        let s = try server()
        defer { s.stop() }
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(s.baseURL + "/truncated") }
        #expect(e == IngestionError(source: s.baseURL + "/truncated", .truncatedBody(received: 100, expected: 1000)))
    }

    @Test func connectionRefused() async throws {
        let s = try TestHTTPServer()
        let url = s.baseURL + "/"
        s.stop()
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch(url) }
        #expect(e?.kind == "connection_failed")
    }

    @Test func schemesOtherThanHTTPAndFileAreRefused() async {
        let e = await error { () async throws(IngestionError) in try await fetcher().fetch("ftp://127.0.0.1/x") }
        #expect(e == IngestionError(source: "ftp://127.0.0.1/x", .unsupportedScheme("ftp")))
    }

    @Test func fileURLsAreFetched() async throws {
        let response = try await fetcher { $0.maxBodyBytes = 1 << 20 }.fetch(
            "file://" + Fixtures.path("feeds/atom.xml"))
        #expect(response.info.status == 0)
        #expect(String(decoding: response.body, as: UTF8.self).contains("Example Release Notes"))
    }

    @Test func concurrencyIsLimited() async throws {
        let s = try server()
        defer { s.stop() }
        let f = fetcher { $0.maxConcurrentRequests = 2 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<6 {
                group.addTask { _ = try await f.fetch(s.baseURL + "/hold/\(i)") }
            }
            try await group.waitForAll()
        }
        #expect(s.requests.count == 6)
        #expect(s.maxBusy("hold") == 2)
    }

    // MARK: Through the loader

    func load(_ url: String) async throws -> Document {
        let options = DocumentLoader.Options(
            maxBytes: 100_000, fetch: FetchOptions(connectTimeout: 1, totalTimeout: 1, maxBodyBytes: 100_000))
        return try await DocumentLoader(options: options).load(
            DocumentReference(id: url, source: url, location: .url(url)))
    }

    @Test func wrongCharsetHeadersAreOverruledByTheBytes() async throws {
        let s = try server()
        defer { s.stop() }
        #expect(try await load(s.baseURL + "/latin1-labelled-utf8").text == "Café au lait")
        #expect(try await load(s.baseURL + "/utf8-labelled-latin1").text == "Café au lait")
    }

    @Test func gzipContentEncodingIsDecoded() async throws {
        let s = try server()
        defer { s.stop() }
        let document = try await load(s.baseURL + "/gzip")
        #expect(document.text == "This page was stored with gzip compression but named .html.")
        #expect(document.fetch?.status == 200)
    }

    @Test func fetchedDocumentRecordsFetchInfo() async throws {
        let s = try server()
        defer { s.stop() }
        let document = try await load(s.baseURL + "/ok")
        #expect(document.id == s.baseURL + "/ok")
        #expect(document.title == "Hello")
        #expect(document.text == "Hello from loopback.")
        #expect(
            document.fetch
                == FetchInfo(
                    finalURL: s.baseURL + "/ok", status: 200, contentType: "text/html; charset=utf-8", redirects: 0,
                    attempts: 1))
        #expect(document.fetchSeconds > 0)
    }

    /// Issue 16 item 19: with `blockPrivateAddresses` a loopback server is refused without a
    /// request reaching it: by the literal address, and after curl turns `2130706433` (the
    /// decimal form of 127.0.0.1, which no literal check here parses) into an address.
    @Test func privateAddressesAreRefusedBeforeConnecting() async throws {
        let s = try server()
        defer { s.stop() }
        for url in [s.baseURL + "/ok", "http://localhost:\(s.port)/ok", "http://2130706433:\(s.port)/ok"] {
            let e = await error { () async throws(IngestionError) in
                try await fetcher { $0.blockPrivateAddresses = true }.fetch(url)
            }
            #expect(e?.kind == "blocked_address", "\(url): \(String(describing: e))")
            #expect(e?.detail.contains("set input.block_private_addresses: false") == true)
        }
        #expect(s.requests.isEmpty)
        // Allowed when asked: the same fetcher settings without the block reach the server.
        #expect(try await fetcher().fetch("http://2130706433:\(s.port)/ok").info.status == 200)
    }

    /// Issue 16 item 16: cancelling the fetcher's flag ends a transfer in flight (a body that
    /// would take 10 s) and a retry delay (a 30 s Retry-After) within about a second.
    @Test func cancellingTheFetcherStopsTransfersAndRetries() async throws {
        let s = try server()
        defer { s.stop() }
        s.route("/busy") { _, c in
            c.respond(status: 503, reason: "Service Unavailable", headers: ["Retry-After": "30"], body: "later")
        }
        let flag = CancellationFlag()
        var options = FetchOptions(totalTimeout: 60, maxRetries: 3, maxBackoff: 30)
        options.maxConcurrentRequests = 4
        let fetcher = HTTPFetcher(options: options, cancellation: flag)
        let start = Date()
        async let trickle = error { () async throws(IngestionError) in try await fetcher.fetch(s.baseURL + "/trickle") }
        async let busy = error { () async throws(IngestionError) in try await fetcher.fetch(s.baseURL + "/busy") }
        try await Task.sleep(nanoseconds: 500_000_000)
        flag.cancel()
        let (a, b) = await (trickle, busy)
        #expect(a?.kind == "cancelled" && b?.kind == "cancelled", "\(String(describing: a)), \(String(describing: b))")
        #expect(Date().timeIntervalSince(start) < 3)
    }
}
