import Foundation
import LanguageModels

/// Progress on stderr while a run goes: on a terminal a live line rewritten in place (documents
/// done/total, failures, tokens/s, ETA), otherwise (a log file, a batch system) one line every
/// few seconds. `.quiet` prints nothing.
public final class ProgressReporter: @unchecked Sendable {
    // @unchecked Sendable: `lastLength` is only touched by the reporting task, then by `finish`
    // after that task has been cancelled and awaited.

    public enum Mode: Sendable, Equatable {
        case live
        case log(every: Double)
        case quiet

        /// Live when stderr is a terminal, else a log line every 5 s.
        public static func automatic(quiet: Bool) -> Mode {
            if quiet { return .quiet }
            return isatty(2) == 1 ? .live : .log(every: 5)
        }
    }

    public let mode: Mode
    let total: Int
    let counters: RunCounters
    let engine: @Sendable () -> SchedulerStatistics
    let started = Date()
    private var lastLength = 0
    private var task: Task<Void, Never>?

    public init(mode: Mode, total: Int, counters: RunCounters, engine: @escaping @Sendable () -> SchedulerStatistics) {
        self.mode = mode
        self.total = total
        self.counters = counters
        self.engine = engine
    }

    public func start() {
        let interval: Double
        switch mode {
        case .quiet: return
        case .live: interval = 0.5
        case .log(let every): interval = every
        }
        task = Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                if Task.isCancelled { break }
                emit()
            }
        }
    }

    /// Stops reporting and clears the live line.
    public func finish() async {
        task?.cancel()
        await task?.value
        if mode == .live, lastLength > 0 { write("\r" + String(repeating: " ", count: lastLength) + "\r") }
    }

    /// The progress text now.
    public func line() -> String {
        let c = counters.snapshot
        let e = engine()
        let elapsed = Date().timeIntervalSince(started)
        let tokens = Double(e.promptTokens + e.generatedTokens)
        var text = "easykv run: \(c.written)/\(total) done, \(c.failed) failed"
        if elapsed > 0 { text += String(format: ", %.0f tokens/s", tokens / elapsed) }
        text += String(format: " (decode %.1f/s)", e.decodeSeconds > 0 ? Double(e.decodeRows) / e.decodeSeconds : 0)
        if c.written > 0, c.written < total {
            text += ", ETA " + Self.duration(elapsed / Double(c.written) * Double(total - c.written))
        }
        return text
    }

    private func emit() {
        let text = line()
        switch mode {
        case .live:
            let pad = max(0, lastLength - text.count)
            write("\r" + text + String(repeating: " ", count: pad))
            lastLength = text.count
        case .log:
            write(text + "\n")
        case .quiet:
            break
        }
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
