import Dispatch

/// A flag that stops transfers: set by a cancelled task for its own request, or by the owner of
/// a fetcher for all of them at once (a run stopping on SIGTERM, issue 16 item 16). A running
/// transfer polls it from curl's progress callback, which curl calls at least about once a
/// second even while nothing arrives (CURLOPT_XFERINFOFUNCTION), and a flag also counts as set
/// when its `parent` is.
public final class CancellationFlag: @unchecked Sendable {
    // @unchecked Sendable: `value` is only read and written under `lock`; `parent` is immutable.
    private let lock = DispatchSemaphore(value: 1)
    private var value = false
    private let parent: CancellationFlag?

    public init(parent: CancellationFlag? = nil) { self.parent = parent }

    public func cancel() {
        lock.wait()
        value = true
        lock.signal()
    }

    public var isCancelled: Bool {
        lock.wait()
        let own = value
        lock.signal()
        return own || (parent?.isCancelled ?? false)
    }
}
