import Ingestion

/// Reads or fetches one input and extracts its text (the Ingestion module's `DocumentLoader`),
/// with at most `concurrency.extract` inputs loading at once and `concurrency.fetch` URL
/// requests in flight.
public struct LoadStage: PipelineStage {
    public let loader: DocumentLoader
    private let limiter: ConcurrencyLimiter

    public var name: String { "load" }

    public init(input: InputSpec, concurrency: ConcurrencySpec) {
        var fetch = FetchOptions(totalTimeout: input.timeout, maxBodyBytes: input.maxBytes)
        fetch.maxConcurrentRequests = concurrency.fetch
        loader = DocumentLoader(options: .init(maxBytes: input.maxBytes, fetch: fetch))
        limiter = ConcurrencyLimiter(limit: concurrency.extract)
    }

    public func process(_ reference: DocumentReference) async throws(PipelineError) -> Document {
        let loader = self.loader
        do {
            return try await limiter.withPermit { () async throws(IngestionError) -> Document in
                try await loader.load(reference)
            }
        } catch {
            throw PipelineError.document(id: reference.id, kind: error.kind, message: error.description)
        }
    }
}
