import Foundation

/// Joins the outputs of shard runs (or of several runs) into one file: one line per id, in input
/// order (`index`). Where an id appears more than once, an `ok` record wins over an error
/// record, and among equals the one read last (later file, later line).
public enum OutputMerger {
    public struct Summary: Sendable, Equatable {
        public var files = 0
        public var records = 0
        public var ok = 0
        public var failed = 0
        /// Lines dropped because their id had a better or later line.
        public var duplicates = 0
        /// Lines that were not records.
        public var invalidLines = 0
        /// Input files that ended in a torn line (ignored).
        public var tornFiles = 0
        /// Distinct `config_hash` values among the merged records (records without one count as
        /// one more): more than 1 means the files were not made by one pipeline, model and settings.
        public var configurations = 0
    }

    /// Merged lines of `inputs`, with counts.
    public static func merge(_ inputs: [String]) throws(PipelineError) -> (lines: [String], summary: Summary) {
        var summary = Summary()
        var best: [String: (entry: OutputLog.Entry, order: Int)] = [:]
        var order = 0
        for path in inputs {
            guard FileManager.default.fileExists(atPath: path) else {
                throw PipelineError.output(path: path, message: "no such file")
            }
            let log = try OutputLog.read(path: path)
            summary.files += 1
            summary.invalidLines += log.invalidLines.count
            if log.tornTailBytes > 0 { summary.tornFiles += 1 }
            for entry in log.entries {
                order += 1
                if let current = best[entry.id] {
                    summary.duplicates += 1
                    if current.entry.status == .ok && entry.status != .ok { continue }
                }
                best[entry.id] = (entry, order)
            }
        }
        let sorted = best.values.sorted { a, b in
            switch (a.entry.index, b.entry.index) {
            case (let x?, let y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.order < b.order
            }
        }
        summary.records = sorted.count
        summary.ok = sorted.filter { $0.entry.status == .ok }.count
        summary.failed = summary.records - summary.ok
        summary.configurations = Set(sorted.map { $0.entry.configHash ?? "" }).count
        return (sorted.map(\.entry.line), summary)
    }

    /// Merges `inputs` into `output` (replaced atomically, through a symbolic link), holding the
    /// output's lock: a run still writing it is not overwritten.
    @discardableResult
    public static func merge(_ inputs: [String], into output: String) throws(PipelineError) -> Summary {
        let folder = OutputPath.folder(of: OutputPath.resolvingLinks(output))
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let lock = try OutputLock.acquire(output: output)
        defer { lock.release() }
        let (lines, summary) = try merge(inputs)
        try OutputLog.rewrite(path: output, lines: lines)
        return summary
    }
}
