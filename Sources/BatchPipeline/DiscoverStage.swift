import Foundation
import Ingestion

/// Lists the inputs of a run and turns them into work units: one per document, or one per
/// (document, question) when the pipeline lists questions. Ids must be unique; a repeated id
/// becomes an error record under `<id>#dup<k>`, with `k` chosen so that the new id is no other
/// input's id either, so every input still yields exactly one line under its own id.
public struct DiscoverStage: PipelineStage {
    public var name: String { "discover" }
    /// Files that are never inputs: the run's own output, lock and temporary files, so an output
    /// inside an input folder is not summarised by the next run (`ownFiles(ofOutput:)`).
    public var excludedFiles: Set<FolderSource.FileIdentity>

    public init(excludedFiles: Set<FolderSource.FileIdentity> = []) {
        self.excludedFiles = excludedFiles
    }

    public func process(_ spec: PipelineSpec) async throws(PipelineError) -> [WorkUnit] {
        Self.units(
            references: Ingestor.references(from: Self.sources(spec.input, excluding: excludedFiles)),
            questions: spec.questions)
    }

    /// The files of the output at `path` that exist now: the output (through its links), its
    /// lock file and temporary files of rewrites (a killed run can leave one behind).
    public static func ownFiles(ofOutput path: String) -> Set<FolderSource.FileIdentity> {
        guard !OutputPath.isStandardOutput(path) else { return [] }
        let target = OutputPath.resolvingLinks(path)
        let folder = OutputPath.folder(of: target)
        let name = OutputPath.name(of: target)
        var own: Set<FolderSource.FileIdentity> = []
        if let output = FolderSource.FileIdentity(path: target) { own.insert(output) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        for other in names where OutputPath.isOwnFile(other, ofOutputNamed: name) {
            if let file = FolderSource.FileIdentity(path: folder.isEmpty ? other : folder + "/" + other) {
                own.insert(file)
            }
        }
        return own
    }

    /// The sources named by `input.paths`: `*.jsonl` files are JSON Lines of documents and
    /// questions, `*.urls` files list URLs, `-` is standard input, folders are walked with the
    /// include/exclude globs (never listing `excluded`), anything else is a file or URL.
    public static func sources(_ input: InputSpec, excluding excluded: Set<FolderSource.FileIdentity> = [])
        -> [any DocumentSource]
    {
        let folderOptions = FolderSource.Options(
            include: input.include, exclude: input.exclude, includeHidden: input.hidden,
            followSymbolicLinksOutside: input.policy.followSymlinksOutside, excludedFiles: excluded)
        return input.paths.map { path -> any DocumentSource in
            var isDirectory: ObjCBool = false
            let isFolder =
                FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            let lower = path.lowercased()
            let isURL = lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://")
            if !isFolder, !isURL {
                if path.hasSuffix(".jsonl") {
                    return JSONLinesSource(path: path, maxBytes: input.maxBytes, policy: input.policy)
                }
                if path.hasSuffix(".urls") {
                    return URLListSource(path: path, maxBytes: input.maxBytes, policy: input.policy)
                }
            }
            return SourceArgument.source(for: path, folderOptions: folderOptions)
        }
    }

    /// Expands references into units, numbering them in input order.
    public static func units(references: [DocumentReference], questions: [String]) -> [WorkUnit] {
        var units: [WorkUnit] = []
        var seen: [String: Int] = [:]
        // Every id an input will ask for, so a `#dup<k>` id never takes one a later input owns.
        var wanted: Set<String> = []
        for reference in references {
            if reference.question != nil || questions.isEmpty {
                wanted.insert(reference.id)
            } else {
                wanted.insert(reference.id)
                for k in questions.indices { wanted.insert("\(reference.id)#q\(k + 1)") }
            }
        }
        func add(_ id: String, _ reference: DocumentReference, _ question: String?) {
            let index = units.count
            if let first = seen[id] {
                var k = 2
                while seen["\(id)#dup\(k)"] != nil || wanted.contains("\(id)#dup\(k)") { k += 1 }
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
