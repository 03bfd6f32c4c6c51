import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// JSON Lines of documents and questions: `{"id": ..., "text" | "path" | "url": ..., "question": ...}`.
///
/// Exactly one of `text`, `path`, `url` per line. `id` is optional: it defaults to the path or
/// URL (credentials shown as `***@`), or to `file:line` for inline text. Relative paths are
/// resolved against the folder of the JSON Lines file; under the default `policy` a path must
/// stay inside that folder (also after symbolic links) and a URL may not be `file://`, since the
/// file may come from someone else. `media_type` (optional) is trusted like a `Content-Type`. A
/// line that cannot be used yields a reference carrying its error, with its own `id` when it
/// has one, else `file:line`.
///
/// The file is read a block at a time and `maxBytes` applies to each line, not to the file: a
/// line longer than the limit becomes one `too_large` reference (id `file:line`; the line is
/// skipped, never held in memory) and every other line still yields its own (issue 16 item 13:
/// one oversized record used to turn the whole file into a single error). Lines end at `\n`
/// (a `\r` before it is whitespace); the text is UTF-8 as JSON Lines requires (jsonlines.org),
/// a UTF-8 byte order mark is skipped and stray bytes are read as Windows-1252.
public struct JSONLinesSource: DocumentSource {
    public var path: String
    /// Largest line (one record), in bytes.
    public var maxBytes: Int
    public var policy: InputPolicy

    public init(path: String, maxBytes: Int = 256 << 20, policy: InputPolicy = InputPolicy()) {
        self.path = path
        self.maxBytes = maxBytes
        self.policy = policy
    }

    public func references() throws(IngestionError) -> [DocumentReference] {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var references: [DocumentReference] = []
        try forEachLine { lineNumber, bytes in
            let source = "\(path):\(lineNumber)"
            guard let bytes else {
                references.append(
                    DocumentReference(
                        id: source, source: source,
                        location: .failed(IngestionError(source: source, .tooLarge(limit: maxBytes)))))
                return
            }
            let line = Self.text(of: bytes).trimmingASCIIWhitespace()
            if line.isEmpty { return }
            var fields: [String: Any] = [:]
            do throws(IngestionError) {
                fields = try object(line, lineNumber: lineNumber)
                references.append(try reference(fields, lineNumber: lineNumber, source: source, folder: folder))
            } catch {
                let id = (fields["id"] as? String) ?? (fields["id"] as? NSNumber)?.stringValue ?? source
                references.append(DocumentReference(id: id, source: source, location: .failed(error)))
            }
        }
        return references
    }

    /// Calls `body` with each line's 1-based number and bytes (without the `\n`), or nil for a
    /// line longer than `maxBytes`. Refuses what is not a regular file (a FIFO would block).
    private func forEachLine(_ body: (Int, ArraySlice<UInt8>?) -> Void) throws(IngestionError) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw IngestionError(source: path, .cannotRead(FileSystem.errorMessage())) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IngestionError(source: path, .cannotRead(FileSystem.errorMessage())) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw IngestionError(source: path, .notARegularFile) }
        var block = [UInt8](repeating: 0, count: 1 << 16)
        var line: [UInt8] = []
        var oversized = false
        var lineNumber = 1
        var atStart = true
        while true {
            let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestionError(source: path, .cannotRead(FileSystem.errorMessage()))
            }
            if n == 0 { break }
            var start = 0
            if atStart {
                atStart = false
                if n >= 3, block[0] == 0xEF, block[1] == 0xBB, block[2] == 0xBF { start = 3 }
            }
            while start < n {
                let newline = block[start..<n].firstIndex(of: 0x0A)
                let end = newline ?? n
                if !oversized {
                    if line.count + (end - start) > maxBytes {
                        oversized = true
                        line = []
                    } else {
                        line.append(contentsOf: block[start..<end])
                    }
                }
                guard let newline else { break }
                body(lineNumber, oversized ? nil : line[...])
                line.removeAll(keepingCapacity: line.count <= 1 << 20)
                oversized = false
                lineNumber += 1
                start = newline + 1
            }
        }
        if oversized || !line.isEmpty { body(lineNumber, oversized ? nil : line[...]) }
    }

    /// One line as text: UTF-8 (stray bytes as Windows-1252), without control characters other
    /// than tab (JSON forbids them raw in strings; they used to be dropped with the line breaks).
    private static func text(of bytes: ArraySlice<UInt8>) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
        }
        let decoded = String(decoding: TextDecoder.decodeUTF8WithFallback(bytes).utf8, as: UTF8.self)
        guard decoded.unicodeScalars.contains(where: isControl) else { return decoded }
        var kept = String.UnicodeScalarView()
        for scalar in decoded.unicodeScalars where !isControl(scalar) { kept.append(scalar) }
        return String(kept)
    }

    private func invalid(_ lineNumber: Int, _ why: String) -> IngestionError {
        IngestionError(source: path, .invalidJSONLine(line: lineNumber, why: why))
    }

    private func object(_ line: String, lineNumber: Int) throws(IngestionError) -> [String: Any] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw invalid(lineNumber, "not valid JSON")
        }
        guard let fields = object as? [String: Any] else { throw invalid(lineNumber, "not a JSON object") }
        return fields
    }

    private func reference(_ fields: [String: Any], lineNumber: Int, source: String, folder: String)
        throws(IngestionError) -> DocumentReference
    {
        func string(_ key: String) throws(IngestionError) -> String? {
            guard let value = fields[key], !(value is NSNull) else { return nil }
            if let s = value as? String { return s }
            if key == "id", let n = value as? NSNumber { return n.stringValue }
            throw invalid(lineNumber, "\"\(key)\" is not a string")
        }
        let text = try string("text")
        let filePath = try string("path")
        let url = try string("url")
        let question = try string("question")
        let mediaType = try string("media_type")
        let explicitID = try string("id")
        switch (text, filePath, url) {
        case (let text?, nil, nil):
            return DocumentReference(
                id: explicitID ?? source, source: source, location: .inline(bytes: Array(text.utf8)),
                question: question,
                declaredMediaType: mediaType ?? "text/plain")
        case (nil, let p?, nil):
            let resolved = p.hasPrefix("/") ? p : folder + "/" + p
            try check(path: p, resolved: resolved, folder: folder, source: source)
            return DocumentReference(
                id: explicitID ?? p, source: resolved, location: .file(path: resolved), question: question,
                declaredMediaType: mediaType)
        case (nil, nil, let u?):
            do throws(IngestionError) {
                try URLValidator.validate(u)
            } catch {
                throw IngestionError(source: source, error.reason)
            }
            if !policy.allowLocalPaths, URLValidator.scheme(of: u) == "file" {
                throw IngestionError(source: source, .localPathRefused(u))
            }
            let shown = URLValidator.redacted(u)
            return DocumentReference(
                id: explicitID ?? shown, source: shown, location: .url(u), question: question,
                declaredMediaType: mediaType)
        case (nil, nil, nil):
            throw invalid(lineNumber, "needs one of \"text\", \"path\", \"url\"")
        default:
            throw invalid(lineNumber, "has more than one of \"text\", \"path\", \"url\"")
        }
    }

    /// Under the default policy a `path` is relative, never climbs above the JSON Lines file's
    /// folder, and (unless `followSymlinksOutside`) does not lead outside it through a link.
    private func check(path p: String, resolved: String, folder: String, source: String) throws(IngestionError) {
        guard !policy.allowLocalPaths else { return }
        var depth = 0
        for part in p.split(separator: "/") where part != "." {
            depth += part == ".." ? -1 : 1
            if depth < 0 { break }
        }
        guard !p.hasPrefix("/"), depth >= 0 else { throw IngestionError(source: source, .localPathRefused(p)) }
        guard !policy.followSymlinksOutside, let target = FileSystem.resolved(RawPath(resolved)),
            let base = FileSystem.resolved(RawPath(folder))
        else { return }
        if !FileSystem.isInside(target, base) { throw IngestionError(source: source, .outsideInput(target.escaped)) }
    }
}
