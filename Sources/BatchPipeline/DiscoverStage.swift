import Foundation
import Ingestion

/// Lists the inputs of a run and turns them into work units: one per document, or one per
/// (document, question) when the pipeline lists questions. Ids must be unique; a repeated id
/// becomes an error record under `<id>#dup<k>`, so every input still yields exactly one line.
public struct DiscoverStage: PipelineStage {
    public var name: String { "discover" }

    public init() {}

    public func process(_ spec: PipelineSpec) async throws(PipelineError) -> [WorkUnit] {
        Self.units(references: Ingestor.references(from: Self.sources(spec.input)), questions: spec.questions)
    }

    /// The sources named by `input.paths`: `*.jsonl` files are JSON Lines of documents and
    /// questions, `*.urls` files list URLs, `-` is standard input, folders are walked with the
    /// include/exclude globs, anything else is a file or URL.
    public static func sources(_ input: InputSpec) -> [any DocumentSource] {
        let folderOptions = FolderSource.Options(
            include: input.include, exclude: input.exclude, includeHidden: input.hidden)
        return input.paths.map { path -> any DocumentSource in
            var isDirectory: ObjCBool = false
            let isFolder =
                FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            let lower = path.lowercased()
            let isURL = lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://")
            if !isFolder, !isURL {
                if path.hasSuffix(".jsonl") { return JSONLinesSource(path: path, maxBytes: input.maxBytes) }
                if path.hasSuffix(".urls") { return URLListSource(path: path, maxBytes: input.maxBytes) }
            }
            return SourceArgument.source(for: path, folderOptions: folderOptions)
        }
    }

    /// Expands references into units, numbering them in input order.
    public static func units(references: [DocumentReference], questions: [String]) -> [WorkUnit] {
        var units: [WorkUnit] = []
        var seen: [String: Int] = [:]
        func add(_ id: String, _ reference: DocumentReference, _ question: String?) {
            let index = units.count
            if let first = seen[id] {
                var k = 2
                while seen["\(id)#dup\(k)"] != nil { k += 1 }
                let dupID = "\(id)#dup\(k)"
                seen[dupID] = index
                units.append(
                    WorkUnit(
                        id: dupID, index: index, reference: reference, question: question,
                        problem: .document(
                            id: dupID, kind: "duplicate_id", message: "id '\(id)' already used by input \(first + 1)")))
            } else {
                seen[id] = index
                units.append(WorkUnit(id: id, index: index, reference: reference, question: question))
            }
        }
        for reference in references {
            // A reference that failed to be listed (a malformed JSON line) is one input, whatever
            // the questions: it yields one error line.
            var listingFailed = false
            if case .failed = reference.location { listingFailed = true }
            if reference.question != nil || questions.isEmpty || listingFailed {
                add(reference.id, reference, reference.question)
            } else {
                for (k, q) in questions.enumerated() { add("\(reference.id)#q\(k + 1)", reference, q) }
            }
        }
        return units
    }
}
