import Ingestion

/// Reads or fetches one input and extracts its text (the Ingestion module's `DocumentLoader`),
/// with at most `concurrency.extract` inputs loading at once and `concurrency.fetch` URL
/// requests in flight. When the run is asked to stop, fetches in flight are cancelled at once
/// (a batch system's grace after SIGTERM is often 30 s, a fetch's timeout 60 s) and their inputs
/// count as interrupted: no line, and `--resume` does them.
public struct LoadStage: PipelineStage {
    public let loader: DocumentLoader
    private let limiter: ConcurrencyLimiter
    private let cancellation: CancellationFlag

    public var name: String { "load" }

    public init(input: InputSpec, concurrency: ConcurrencySpec, stop: StopSignal? = nil) {
        var fetch = FetchOptions(
            totalTimeout: input.timeout, maxBodyBytes: input.maxBytes, maxRetries: input.retries,
            initialBackoff: input.retryBackoff, maxBackoff: input.maxRetryDelay)
        fetch.maxConcurrentRequests = concurrency.fetch
        fetch.blockPrivateAddresses = input.policy.blockPrivateAddresses
        let cancellation = CancellationFlag()
        stop?.onRequest { _ in cancellation.cancel() }
        self.cancellation = cancellation
        loader = DocumentLoader(options: .init(maxBytes: input.maxBytes, fetch: fetch), cancellation: cancellation)
        limiter = ConcurrencyLimiter(limit: concurrency.extract)
    }

    public func process(_ reference: DocumentReference) async throws(PipelineError) -> Document {
        let loader = self.loader
        do {
            return try await limiter.withPermit { () async throws(IngestionError) -> Document in
                try await loader.load(reference)
            }
        } catch {
            if cancellation.isCancelled {
                throw PipelineError.document(
                    id: reference.id, kind: PipelineError.interruptedKind, message: "interrupted while loading")
            }
            throw PipelineError.document(id: reference.id, kind: error.kind, message: error.description)
        }
    }
}
