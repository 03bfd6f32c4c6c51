import COpenBLAS
import Dispatch
import Foundation

/// The one thread pool of the process (issue 9: no oversubscription). Our kernels split work
/// across `threadCount` persistent workers (`WorkerPool`); OpenBLAS runs single-threaded inside
/// each worker, so the two never compete for cores.
public enum Parallel {
    nonisolated(unsafe) private static var configured = 0
    nonisolated(unsafe) private static var pool: WorkerPool?

    /// Workers used by `forEach` (default: the active cores).
    public static var threadCount: Int {
        configured > 0 ? configured : ProcessInfo.processInfo.activeProcessorCount
    }

    /// The most workers `configure` starts: one per active core. More only take turns on the
    /// same cores (each worker spins before it parks, so they slow each other down), and
    /// `--threads 100000` started 100,000 threads and used gigabytes (issue 16 item 7).
    public static var maxThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Sets the worker count (`--threads`, clamped to `1...maxThreads`) and pins OpenBLAS to one
    /// thread per call. Call before the first model loads; the pool is created once. Returns the
    /// count used, so a command can say when it clamped.
    @discardableResult
    public static func configure(threads: Int?) -> Int {
        configured = min(max(1, threads ?? maxThreads), maxThreads)
        openblas_set_num_threads(1)
        if pool == nil || pool?.size != configured { pool = WorkerPool(size: configured) }
        return configured
    }

    /// Configures the default (all cores, OpenBLAS single-threaded) unless `configure` ran.
    public static func ensureConfigured() {
        if configured == 0 { configure(threads: nil) }
    }

    /// Runs `body(i)` for `i` in `0..<count`, spread over the workers; returns when all are done.
    @inline(__always)
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || threadCount == 1 {
            for i in 0..<count { body(i) }
            return
        }
        if let pool {
            pool.run(count, body)
        } else {
            withoutActuallyEscaping(body) { body in
                let box = UncheckedBox(body)
                DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
            }
        }
    }

    /// Splits `0..<total` into about `threadCount` contiguous ranges (multiples of `granularity`)
    /// and runs `body` on each in parallel.
    @inline(__always)
    public static func ranges(_ total: Int, granularity: Int = 1, _ body: (Range<Int>) -> Void) {
        workers(total, granularity: granularity) { _, range in body(range) }
    }

    /// Like `ranges`, also passing the worker index (`0..<threadCount`), so each worker can use
    /// its own scratch buffers.
    @inline(__always)
    public static func workers(_ total: Int, granularity: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let count = min(threadCount, max(1, (total + max(granularity, 1) - 1) / max(granularity, 1)))
        if count <= 1 {
            if total > 0 { body(0, 0..<total) }
            return
        }
        let units = (total + granularity - 1) / granularity
        forEach(count) { w in
            let lo = units * w / count * granularity
            let hi = min(total, units * (w + 1) / count * granularity)
            if lo < hi { body(w, lo..<hi) }
        }
    }
}

/// Carries a non-Sendable value (a closure over raw buffers) into worker threads.
/// Safe because `Parallel` joins every worker before returning and callers give each worker a
/// disjoint slice of the buffers.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
