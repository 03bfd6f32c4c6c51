import Foundation

/// JSON Lines of documents and questions: `{"id": ..., "text" | "path" | "url": ..., "question": ...}`.
///
/// Exactly one of `text`, `path`, `url` per line. `id` is optional: it defaults to the path or
/// URL, or to `file:line` for inline text. Relative paths are resolved against the folder of the
/// JSON Lines file. `media_type` (optional) is trusted like a `Content-Type`. A malformed line
/// yields a reference carrying its error, with id `file:line`.
public struct JSONLinesSource: DocumentSource {
    public var path: String
    public var maxBytes: Int

    public init(path: String, maxBytes: Int = 256 << 20) {
        self.path = path
        self.maxBytes = maxBytes
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
            do throws(IngestionError) {
                references.append(try reference(line, lineNumber: lineNumber, source: source, folder: folder))
            } catch {
                references.append(DocumentReference(id: source, source: source, location: .failed(error)))
            }
        }
        return references
    }

    private func reference(_ line: String, lineNumber: Int, source: String, folder: String) throws(IngestionError)
        -> DocumentReference
    {
        func invalid(_ why: String) -> IngestionError {
            IngestionError(source: path, .invalidJSONLine(line: lineNumber, why: why))
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw invalid("not valid JSON")
        }
        guard let fields = object as? [String: Any] else { throw invalid("not a JSON object") }
        func string(_ key: String) throws(IngestionError) -> String? {
            guard let value = fields[key], !(value is NSNull) else { return nil }
            if let s = value as? String { return s }
            if key == "id", let n = value as? NSNumber { return n.stringValue }
            throw invalid("\"\(key)\" is not a string")
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
            return DocumentReference(
                id: explicitID ?? p, source: resolved, location: .file(path: resolved), question: question,
                declaredMediaType: mediaType)
        case (nil, nil, let u?):
            do throws(IngestionError) {
                try URLValidator.validate(u)
            } catch {
                throw IngestionError(source: source, error.reason)
            }
            return DocumentReference(
                id: explicitID ?? u, source: u, location: .url(u), question: question, declaredMediaType: mediaType)
        case (nil, nil, nil):
            throw invalid("needs one of \"text\", \"path\", \"url\"")
        default:
            throw invalid("has more than one of \"text\", \"path\", \"url\"")
        }
    }
}
