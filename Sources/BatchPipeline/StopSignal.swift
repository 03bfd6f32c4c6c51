import Foundation

/// A request to stop a run early (SIGINT, SIGTERM): no new input starts, the ones in flight
/// finish and are written. Set from a signal source; read by the runner.
public final class StopSignal: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var reason: String?
    private var observers: [@Sendable (String) -> Void] = []

    public init() {}

    public func request(_ why: String) {
        lock.lock()
        let first = reason == nil
        if first { reason = why }
        let toCall = first ? observers : []
        lock.unlock()
        for observer in toCall { observer(why) }
    }

    /// Calls `observer` on the thread that requests the stop (at once if it already was). The
    /// runner uses it to stop the engine admitting prompts without waiting for a task to be
    /// scheduled on the (possibly busy) cooperative pool.
    public func onRequest(_ observer: @escaping @Sendable (String) -> Void) {
        lock.lock()
        let already = reason
        if already == nil { observers.append(observer) }
        lock.unlock()
        if let already { observer(already) }
    }

    /// Why the run was asked to stop, or nil.
    public var requested: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }
}
