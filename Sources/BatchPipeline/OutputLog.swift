import Foundation

/// The lines already in an output file, as `--resume` and `easykv merge` need them: id, input
/// index and status of each record, with the line itself.
public struct OutputLog: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var index: Int?
        public var status: OutputRecord.Status
        /// The line as written (no newline).
        public var line: String
    }

    public var path: String
    public var entries: [Entry] = []
    /// 1-based numbers of lines that are not records (not JSON, or no id/status).
    public var invalidLines: [Int] = []
    /// Bytes after the last newline (a torn line), left out of `entries`.
    public var tornTailBytes = 0

    /// Ids with an `ok` record.
    public var completedIDs: Set<String> { Set(entries.lazy.filter { $0.status == .ok }.map(\.id)) }

    private struct Header: Decodable {
        var id: String
        var index: Int?
        var status: OutputRecord.Status
    }

    /// Reads `path`; a missing file is an empty log.
    public static func read(path: String) throws(PipelineError) -> OutputLog {
        var log = OutputLog(path: path)
        guard FileManager.default.fileExists(atPath: path) else { return log }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw PipelineError.output(path: path, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        let bytes = [UInt8](data)
        let decoder = JSONDecoder()
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                log.tornTailBytes = bytes.count - start
                break
            }
            lineNumber += 1
            let slice = bytes[start..<newline]
            start = newline + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let header = try? decoder.decode(Header.self, from: Data(slice)) else {
                log.invalidLines.append(lineNumber)
                continue
            }
            log.entries.append(
                Entry(
                    id: header.id, index: header.index, status: header.status,
                    line: String(decoding: slice, as: UTF8.self)))
        }
        return log
    }

    /// Replaces `path` by `lines` atomically (a temporary file in the same folder, fsynced, then
    /// renamed over it), so a crash leaves either the old file or the new one.
    public static func rewrite(path: String, lines: [String]) throws(PipelineError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            let writer = try JSONLinesWriter(path: temporary, truncate: true)
            for line in lines { try writer.append(line) }
            try writer.close()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let message = JSONLinesWriter.errnoText()
            unlink(temporary)
            throw PipelineError.output(path: path, message: "cannot replace: \(message)")
        }
    }
}
