import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for the fetcher and pipeline tests:
/// one thread per connection, every response closes its connection. Nothing it does reaches
/// beyond loopback.
public final class TestHTTPServer: @unchecked Sendable {
    // @unchecked Sendable: mutable state (`log`, `counters`, `gauges`, `stopped`) is guarded by `lock`;
    // `listener` and `port` are set once in init.

    public struct Request: Sendable {
        public var path: String
        public var headers: [String: String]
    }

    /// What a route does with a connection.
    public typealias Handler = @Sendable (Request, Connection) -> Void

    public final class Connection: @unchecked Sendable {
        // @unchecked Sendable: used by one handler thread only.
        public let fd: Int32
        init(fd: Int32) { self.fd = fd }

        /// Sends bytes, ignoring a peer that went away (MSG_NOSIGNAL: no SIGPIPE).
        @discardableResult
        public func send(_ bytes: [UInt8]) -> Bool {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                }
                if n <= 0 { return false }
                sent += n
            }
            return true
        }

        @discardableResult
        public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

        /// A complete response with Content-Length.
        public func respond(status: Int, reason: String = "OK", headers: [String: String] = [:], body: [UInt8]) {
            var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (k, v) in headers.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
            send(head + "\r\n")
            send(body)
        }

        public func respond(status: Int, reason: String = "OK", headers: [String: String] = [:], body: String) {
            respond(status: status, reason: reason, headers: headers, body: Array(body.utf8))
        }
    }

    public let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var routes: [(prefix: String, handler: Handler)] = []
    private var log: [Request] = []
    private var counters: [String: Int] = [:]
    private var gauges: [String: (current: Int, max: Int)] = [:]
    private var stopped = false

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Routes a path prefix (longest registered prefix wins).
    public func route(_ prefix: String, _ handler: @escaping Handler) {
        lock.withLock { routes.append((prefix, handler)) }
    }

    public var requests: [Request] { lock.withLock { log } }

    /// How many times `key` was counted (handlers use it for "first call fails" routes).
    public func increment(_ key: String) -> Int {
        lock.withLock {
            counters[key, default: 0] += 1
            return counters[key]!
        }
    }

    /// Stops accepting. The accept thread closes the socket itself when `accept` fails, so its
    /// descriptor number cannot be reused by another test's socket while that thread still
    /// calls `accept` on it.
    /// Marks one more handler of `key` as busy; returns nothing. Pair with `leave`.
    public func enter(_ key: String) {
        lock.withLock {
            var g = gauges[key] ?? (0, 0)
            g.current += 1
            g.max = max(g.max, g.current)
            gauges[key] = g
        }
    }

    public func leave(_ key: String) { lock.withLock { gauges[key]?.current -= 1 } }

    /// Most handlers of `key` busy at once.
    public func maxBusy(_ key: String) -> Int { lock.withLock { gauges[key]?.max ?? 0 } }

    public func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR, !lock.withLock({ stopped }) { continue }
                return  // shut down
            }
            if lock.withLock({ stopped }) {
                close(client)
                return
            }
            Thread.detachNewThread { [self] in handle(client) }
        }
    }

    private func handle(_ fd: Int32) {
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 4096, 0) }
            if n <= 0 { return }
            buffer.append(contentsOf: chunk[0..<n])
            if buffer.count > 65536 { return }
        }
        let head = String(decoding: buffer, as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let request = Request(path: String(parts[1]), headers: headers)
        let handler: Handler? = lock.withLock {
            log.append(request)
            return routes.filter { request.path.hasPrefix($0.prefix) }.max(by: { $0.prefix.count < $1.prefix.count })?
                .handler
        }
        let connection = Connection(fd: fd)
        if let handler {
            handler(request, connection)
        } else {
            connection.respond(status: 404, reason: "Not Found", body: "no route")
        }
    }
}

extension [UInt8] {
    fileprivate var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return true
        }
        return false
    }
}
