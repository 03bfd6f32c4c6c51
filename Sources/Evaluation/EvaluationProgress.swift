import Foundation

/// Progress of an evaluation on standard error, in the style of the pipeline's (BatchPipeline
/// `ProgressReporter`): a live line redrawn in place on a terminal, otherwise a log line
/// at most every `logInterval` seconds (and at the end), so CI logs and Slurm files stay short.
public final class EvaluationProgress: @unchecked Sendable {
    // @unchecked Sendable: all state is guarded by `lock`.

    public enum Style: Sendable {
        case quiet
        /// Redraw one line with `\r` (standard error is a terminal).
        case live
        /// One line per `logInterval` seconds.
        case log
    }

    public let label: String
    public let total: Int
    public let style: Style
    public var logInterval: Double = 5
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private var done = 0
    private var note = ""
    private let start = Date()
    private var lastLog = Date.distantPast

    /// `style` nil: live when standard error is a terminal, else log lines.
    public init(label: String, total: Int, style: Style? = nil, write: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.style = style ?? (isatty(2) == 1 ? .live : .log)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Marks `count` more items done; `note` says what the last one was (shown on the line).
    public func advance(by count: Int = 1, note: String = "") {
        lock.lock()
        defer { lock.unlock() }
        done += count
        self.note = note
        switch style {
        case .quiet: return
        case .live: write("\r\u{1B}[K" + line())
        case .log:
            let now = Date()
            if now.timeIntervalSince(lastLog) >= logInterval || done >= total {
                lastLog = now
                write(line() + "\n")
            }
        }
    }

    /// Ends the live line.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if style == .live { write("\r\u{1B}[K" + line() + "\n") }
    }

    /// `label: done/total (pct) elapsed, eta — note`.
    func line() -> String {
        let elapsed = Date().timeIntervalSince(start)
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        var text = "\(label): \(done)/\(total) (\(Int((fraction * 100).rounded(.down)))%) \(Self.duration(elapsed))"
        if done > 0, done < total { text += ", ~\(Self.duration(elapsed / fraction - elapsed)) left" }
        if !note.isEmpty { text += " — \(note)" }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
            : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
