import Foundation

/// A document for `eval fidelity`: its text and, optionally, a reference summary or answer.
public struct FidelityDocument: Sendable, Equatable, Decodable {
    public var id: String
    public var text: String
    public var reference: String?

    public init(id: String, text: String, reference: String? = nil) {
        self.id = id
        self.text = text
        self.reference = reference
    }

    /// Documents from `paths`: a `.jsonl` file gives one document per line
    /// (`{"id", "text", "reference"?}`), any other file is one UTF-8 text document named by its path.
    public static func load(paths: [String]) throws(EvaluationError) -> [FidelityDocument] {
        var out: [FidelityDocument] = []
        for path in paths {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw EvaluationError.file(path: path, "cannot read: \(error.localizedDescription)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw EvaluationError.file(path: path, "is not UTF-8 text")
            }
            if path.hasSuffix(".jsonl") {
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                    if trimmed.isEmpty { continue }
                    do {
                        out.append(try JSONDecoder().decode(FidelityDocument.self, from: Data(trimmed.utf8)))
                    } catch {
                        throw EvaluationError.file(
                            path: "\(path):\(n + 1)",
                            "expected {\"id\": string, \"text\": string, \"reference\"?: string}")
                    }
                }
            } else {
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw EvaluationError.file(path: path, "is empty")
                }
                out.append(FidelityDocument(id: path, text: text))
            }
        }
        var seen = Set<String>()
        for d in out where !seen.insert(d.id).inserted {
            throw EvaluationError.invalidSetting("document id '\(d.id)' appears twice")
        }
        return out
    }
}
