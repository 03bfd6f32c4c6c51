import Foundation

/// JSON Lines of documents and questions: `{"id": ..., "text" | "path" | "url": ..., "question": ...}`.
///
/// Exactly one of `text`, `path`, `url` per line. `id` is optional: it defaults to the path or
/// URL (credentials shown as `***@`), or to `file:line` for inline text. Relative paths are
/// resolved against the folder of the JSON Lines file; under the default `policy` a path must
/// stay inside that folder (also after symbolic links) and a URL may not be `file://`, since the
/// file may come from someone else. `media_type` (optional) is trusted like a `Content-Type`. A
/// line that cannot be used yields a reference carrying its error, with its own `id` when it
/// has one, else `file:line`.
public struct JSONLinesSource: DocumentSource {
    public var path: String
    public var maxBytes: Int
    public var policy: InputPolicy

    public init(path: String, maxBytes: Int = 256 << 20, policy: InputPolicy = InputPolicy()) {
        self.path = path
        self.maxBytes = maxBytes
        self.policy = policy
    }

    public func references() throws(IngestionError) -> [DocumentReference] {
        let bytes = try FileSystem.readFile(path, limit: maxBytes, source: path)
        let text = String(decoding: TextDecoder.decode(bytes, declared: "utf-8").utf8, as: UTF8.self)
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var references: [DocumentReference] = []
        for (index, rawLine) in TextNormalizer.lines(of: text).enumerated() {
            let line = rawLine.trimmingASCIIWhitespace()
            if line.isEmpty { continue }
            let lineNumber = index + 1
            let source = "\(path):\(lineNumber)"
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
