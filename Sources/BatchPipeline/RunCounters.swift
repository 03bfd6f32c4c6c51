import Foundation

/// Live counts of a run, updated as lines are written; read by the progress line and the final
/// report.
public final class RunCounters: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var state = Snapshot()

    public struct Snapshot: Sendable, Equatable {
        public var written = 0
        public var ok = 0
        public var failed = 0
        /// Failures by `error_kind`.
        public var failures: [String: Int] = [:]
        public var promptTokens = 0
        public var generatedTokens = 0
    }

    public init() {}

    public func record(_ r: OutputRecord) {
        lock.lock()
        defer { lock.unlock() }
        state.written += 1
        if r.status == .ok {
            state.ok += 1
        } else {
            state.failed += 1
            state.failures[r.errorKind ?? "error", default: 0] += 1
        }
        state.promptTokens += r.promptTokens
        state.generatedTokens += r.generatedTokens
    }

    public var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return state
    }
}
