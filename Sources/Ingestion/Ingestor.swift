/// One input's outcome: its document or the error that stopped it.
public struct IngestionResult: Sendable {
    public var reference: DocumentReference
    public var result: Result<Document, IngestionError>

    public init(reference: DocumentReference, result: Result<Document, IngestionError>) {
        self.reference = reference
        self.result = result
    }
}

/// Runs discovery, fetching and extraction for many inputs concurrently, with bounded
/// parallelism, and hands results back in input order (so output files are stable).
public struct Ingestor: Sendable {
    public var loader: DocumentLoader
    /// Documents loaded at once. URL fetches are further limited by `FetchOptions.maxConcurrentRequests`.
    public var parallelism: Int
    /// How far loading may run ahead of the oldest unfinished input (bounds memory when one
    /// slow URL holds up the in-order output).
    public var maxAhead: Int

    public init(loader: DocumentLoader = DocumentLoader(), parallelism: Int = 4, maxAhead: Int? = nil) {
        self.loader = loader
        self.parallelism = max(1, parallelism)
        self.maxAhead = max(self.parallelism, maxAhead ?? 4 * self.parallelism)
    }

    /// Lists every source in order. A source that cannot be listed at all becomes one failed
    /// reference, so it still yields a record.
    public static func references(from sources: [any DocumentSource]) -> [DocumentReference] {
        var all: [DocumentReference] = []
        for source in sources {
            do throws(IngestionError) {
                all.append(contentsOf: try source.references())
            } catch {
                all.append(DocumentReference(id: error.source, source: error.source, location: .failed(error)))
            }
        }
        return all
    }

    /// Loads `references` and calls `body` once per reference, in input order. `body` is awaited
    /// before later results are delivered, and no more than `maxAhead` inputs are loaded ahead
    /// of it: a slow consumer slows loading instead of piling up documents in memory.
    public func forEach(_ references: [DocumentReference], _ body: (IngestionResult) async -> Void) async {
        let loader = self.loader
        await withTaskGroup(of: (Int, IngestionResult).self) { group in
            var next = 0
            var emitted = 0
            var inFlight = 0
            var ready: [Int: IngestionResult] = [:]
            func launchMore() {
                while next < references.count, inFlight < parallelism, next - emitted < maxAhead {
                    let index = next
                    let reference = references[index]
                    group.addTask {
                        do throws(IngestionError) {
                            let document = try await loader.load(reference)
                            return (index, IngestionResult(reference: reference, result: .success(document)))
                        } catch {
                            return (index, IngestionResult(reference: reference, result: .failure(error)))
                        }
                    }
                    next += 1
                    inFlight += 1
                }
            }
            launchMore()
            while let (index, result) = await group.next() {
                inFlight -= 1
                ready[index] = result
                while let head = ready.removeValue(forKey: emitted) {
                    await body(head)
                    emitted += 1
                }
                launchMore()
            }
        }
    }

    /// The results as an async stream, in input order. The stream buffers without bound; use
    /// `forEach` when the consumer is slower than loading.
    public func documents(_ references: [DocumentReference]) -> AsyncStream<IngestionResult> {
        AsyncStream { continuation in
            let task = Task {
                await forEach(references) { continuation.yield($0) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
