import ArgumentParser
import Foundation
import Ingestion

/// `easykv extract`: the clean text ingestion makes of files, folders and URLs.
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Print the text extracted from files, folders, URLs (or - for standard input).")

    @Argument(help: "Files, folders, http(s)/file URLs, or - for standard input.")
    var inputs: [String] = []

    @Option(name: .customLong("urls"), help: "A file of URLs, one per line (# comments).")
    var urlLists: [String] = []

    @Option(name: .customLong("jsonl"), help: "A JSON Lines file of {id, text|path|url, question}.")
    var jsonLines: [String] = []

    @Option(help: "Only files matching this glob (folders; repeatable).")
    var include: [String] = []

    @Option(help: "Skip files and folders matching this glob (repeatable).")
    var exclude: [String] = []

    @Flag(help: "Include hidden files and folders.")
    var hidden = false

    @Flag(help: "Print JSON Lines: id, source, media_type, title, chars, text (or error).")
    var json = false

    @Option(help: "Largest input in bytes.")
    var maxBytes = DocumentLoader.Options.defaultMaxBytes

    @Option(help: "Seconds allowed per HTTP request.")
    var timeout: Double = 60

    @Option(help: "Documents loaded at once.")
    var parallel = 4

    @Flag(help: "Measure extraction speed (MB/s) over the given files instead of printing them.")
    var bench = false

    func run() async throws {
        let folderOptions = FolderSource.Options(include: include, exclude: exclude, includeHidden: hidden)
        var sources: [any DocumentSource] = inputs.map { SourceArgument.source(for: $0, folderOptions: folderOptions) }
        sources += urlLists.map { URLListSource(path: $0) }
        sources += jsonLines.map { JSONLinesSource(path: $0) }
        guard !sources.isEmpty else { throw ValidationError("give at least one file, folder, URL, --urls or --jsonl") }
        var fetch = FetchOptions(totalTimeout: timeout, maxBodyBytes: maxBytes)
        fetch.maxConcurrentRequests = max(parallel, 1)
        let loader = DocumentLoader(options: .init(maxBytes: maxBytes, fetch: fetch))
        let references = Ingestor.references(from: sources)
        if bench { return try runBenchmark(references, loader: loader) }

        var failures = 0
        let json = self.json
        await Ingestor(loader: loader, parallelism: parallel).forEach(references) { result in
            switch result.result {
            case .success(let document):
                print(json ? ExtractionRecord.jsonLine(for: result) : Self.plain(document))
            case .failure(let error):
                failures += 1
                FileHandle.standardError.write(Data("easykv extract: \(error)\n".utf8))
                if json { print(ExtractionRecord.jsonLine(for: result)) }
            }
        }
        if !references.isEmpty, failures == references.count { throw ExitCode(1) }
    }

    private static func plain(_ d: Document) -> String {
        "==> \(d.id) (\(d.mediaType.rawValue), \(d.text.count) chars)\(d.title.map { ": " + $0 } ?? "")\n\(d.text)\n"
    }

    private func runBenchmark(_ references: [DocumentReference], loader: DocumentLoader) throws {
        let paths = references.compactMap { ref -> String? in
            if case .file(let path) = ref.location { return path }
            return nil
        }
        let r = try ExtractionBenchmark.run(paths: paths, iterations: 3, loader: loader)
        print(
            "extract: \(r.files) files, \(String(format: "%.2f", Double(r.bytes) / 1e6)) MB x \(r.iterations) in "
                + "\(String(format: "%.3f", r.seconds)) s = \(String(format: "%.1f", r.megabytesPerSecond)) MB/s"
                + (r.failures > 0 ? " (\(r.failures) failed)" : ""))
    }
}
