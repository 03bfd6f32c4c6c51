import Foundation

/// The lines already in an output file, as `--resume` and `easykv merge` need them: id, input
/// index, status, question and hashes of each record, with the line itself.
public struct OutputLog: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var index: Int?
        public var status: OutputRecord.Status
        public var question: String?
        /// `config_hash` and `content_hash` (nil in lines written before they were recorded).
        public var configHash: String?
        public var contentHash: String?
        /// The line as written (no newline).
        public var line: String

        public init(
            id: String, index: Int?, status: OutputRecord.Status, question: String? = nil, configHash: String? = nil,
            contentHash: String? = nil, line: String
        ) {
            self.id = id
            self.index = index
            self.status = status
            self.question = question
            self.configHash = configHash
            self.contentHash = contentHash
            self.line = line
        }
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
        var question: String?
        var configHash: String?
        var contentHash: String?

        enum CodingKeys: String, CodingKey {
            case id, index, status, question
            case configHash = "config_hash"
            case contentHash = "content_hash"
        }
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
                    id: header.id, index: header.index, status: header.status, question: header.question,
                    configHash: header.configHash, contentHash: header.contentHash,
                    line: String(decoding: slice, as: UTF8.self)))
        }
        return log
    }

    /// Replaces `path` by `lines` atomically (a temporary file in the same folder, fsynced, then
    /// renamed over it), so a crash leaves either the old file or the new one. A symbolic link
    /// is written through: its target is replaced and the link stays (`OutputPath.resolvingLinks`).
    /// The caller holds the output's `OutputLock`, so no other writer appends meanwhile.
    public static func rewrite(path: String, lines: [String]) throws(PipelineError) {
        let target = OutputPath.resolvingLinks(path)
        let temporary = OutputPath.temporaryPath(for: target)
        do {
            let writer = try JSONLinesWriter(path: temporary, truncate: true)
            for line in lines { try writer.append(line) }
            try writer.close()
            // The new file keeps the old one's permissions (a group-readable output stays so).
            var old = stat()
            if stat(target, &old) == 0 { _ = chmod(temporary, old.st_mode & 0o7777) }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, target) == 0 else {
            let message = JSONLinesWriter.errnoText()
            unlink(temporary)
            throw PipelineError.output(path: path, message: "cannot replace: \(message)")
        }
    }
}
