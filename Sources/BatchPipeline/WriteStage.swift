/// Writes records to the output file in input order, whole lines only (`JSONLinesWriter`).
///
/// Inputs finish out of order (a short document overtakes a long one in the batch), so records
/// wait here until every earlier input's record is written. The runner bounds how far inputs may
/// run ahead of the oldest unwritten one (`waitUntilWritten`), which bounds this buffer.
public actor WriteStage: PipelineStage {
    public nonisolated var name: String { "write" }

    private let writer: JSONLinesWriter
    private var next = 0
    private var buffer: [Int: OutputRecord] = [:]
    private var skipped: Set<Int> = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private let onWrite: @Sendable (OutputRecord) -> Void

    /// - Parameters:
    ///   - path: the output file, or `-` for standard output.
    ///   - truncate: start the file empty (otherwise append, as `--resume` does).
    ///   - onWrite: called after each line is written (progress counters).
    public init(
        path: String, truncate: Bool, syncEvery: Int = 16,
        onWrite: @escaping @Sendable (OutputRecord) -> Void = { _ in }
    )
        throws(PipelineError)
    {
        writer =
            OutputPath.isStandardOutput(path)
            ? JSONLinesWriter.standardOutput()
            : try JSONLinesWriter(path: path, truncate: truncate, syncEvery: syncEvery)
        self.onWrite = onWrite
    }

    /// Takes the record of the input at `ordinal` (0-based among this run's inputs) and writes
    /// every record that is now next in order.
    public func process(_ input: (ordinal: Int, record: OutputRecord)) throws(PipelineError) {
        buffer[input.ordinal] = input.record
        try drain()
    }

    /// Marks the input at `ordinal` as finished without a line (interrupted: a resumed run will
    /// do it), so later records are not held back by it.
    public func skip(_ ordinal: Int) throws(PipelineError) {
        skipped.insert(ordinal)
        try drain()
    }

    private func drain() throws(PipelineError) {
        while true {
            if let record = buffer.removeValue(forKey: next) {
                try writer.append(record.jsonLine)
                onWrite(record)
            } else if skipped.remove(next) == nil {
                break
            }
            next += 1
        }
        resumeWaiters()
    }

    /// Inputs finished so far (written or skipped), counted from the first.
    public var written: Int { next }

    /// Returns once the first `count` inputs are finished.
    public func waitUntilWritten(_ count: Int) async {
        if next >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    /// At the end: writes any record still waiting for an earlier one, in order.
    public func flushOutOfOrder() throws(PipelineError) {
        for ordinal in buffer.keys.sorted() {
            if let record = buffer.removeValue(forKey: ordinal) {
                try writer.append(record.jsonLine)
                onWrite(record)
            }
        }
    }

    public func close() throws(PipelineError) {
        try writer.close()
        next = Int.max
        resumeWaiters()
    }

    private func resumeWaiters() {
        let ready = waiters.filter { $0.count <= next }
        waiters.removeAll { $0.count <= next }
        for w in ready { w.continuation.resume() }
    }
}
