import Foundation

/// A request to stop a run early (SIGINT, SIGTERM): no new input starts, the ones in flight
/// finish and are written. Set from a signal source; read by the runner.
public final class StopSignal: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var reason: String?

    public init() {}

    public func request(_ why: String) {
        lock.lock()
        if reason == nil { reason = why }
        lock.unlock()
    }

    /// Why the run was asked to stop, or nil.
    public var requested: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }
}
