/// A text file of URLs, one per line; blank lines and lines starting with `#` are ignored.
/// Each URL is its own id (credentials shown as `***@`); a line that is not an allowed URL, or a
/// `file://` URL the policy refuses, yields a reference carrying its error.
public struct URLListSource: DocumentSource {
    /// Where the list is: a file path, or text already read (with a name for messages).
    public enum Input: Sendable, Hashable {
        case file(String)
        case text(String, name: String)
    }

    public var input: Input
    /// Largest list file read.
    public var maxBytes: Int
    /// Whether a listed URL may be `file://` (`allowLocalPaths`).
    public var policy: InputPolicy

    public init(path: String, maxBytes: Int = 16 << 20, policy: InputPolicy = InputPolicy()) {
        self.input = .file(path)
        self.maxBytes = maxBytes
        self.policy = policy
    }

    public init(text: String, name: String, policy: InputPolicy = InputPolicy()) {
        self.input = .text(text, name: name)
        self.maxBytes = Int.max
        self.policy = policy
    }

    public func references() throws(IngestionError) -> [DocumentReference] {
        let text: String
        let name: String
        switch input {
        case .file(let path):
            let bytes = try FileSystem.readFile(path, limit: maxBytes, source: path)
            text = String(decoding: TextDecoder.decode(bytes, declared: nil).utf8, as: UTF8.self)
            name = path
        case .text(let t, let n):
            text = t
            name = n
        }
        var references: [DocumentReference] = []
        for (index, rawLine) in TextNormalizer.lines(of: text).enumerated() {
            let line = rawLine.trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let source = "\(name):\(index + 1)"
            let shown = URLValidator.redacted(line)
            do throws(IngestionError) {
                try URLValidator.validate(line)
                if !policy.allowLocalPaths, URLValidator.scheme(of: line) == "file" {
                    throw IngestionError(source: source, .localPathRefused(line))
                }
                references.append(DocumentReference(id: shown, source: shown, location: .url(line)))
            } catch {
                references.append(
                    DocumentReference(
                        id: shown, source: source, location: .failed(IngestionError(source: source, error.reason))))
            }
        }
        return references
    }
}
