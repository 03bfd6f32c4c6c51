/// Reads or fetches one referenced document, decides its media type and extracts its text.
public struct DocumentLoader: Sendable {
    public struct Options: Sendable, Hashable {
        /// 16 MiB: far above any real page or manual chapter, far below what would hurt.
        public static let defaultMaxBytes = 16 << 20

        /// Largest file, standard input or decompressed body accepted.
        public var maxBytes: Int
        public var fetch: FetchOptions

        public init(maxBytes: Int = defaultMaxBytes, fetch: FetchOptions? = nil) {
            self.maxBytes = maxBytes
            var fetchOptions = fetch ?? FetchOptions()
            if fetch == nil { fetchOptions.maxBodyBytes = maxBytes }
            self.fetch = fetchOptions
        }
    }

    public let options: Options
    public let fetcher: HTTPFetcher

    /// `cancellation` stops every fetch of this loader (a run that is asked to stop).
    public init(options: Options = .init(), cancellation: CancellationFlag = CancellationFlag()) {
        self.options = options
        self.fetcher = HTTPFetcher(options: options.fetch, cancellation: cancellation)
    }

    /// The document, or an error naming its source. Never traps on malformed input.
    public func load(_ reference: DocumentReference) async throws(IngestionError) -> Document {
        let start = HTTPFetcher.now()
        let bytes: [UInt8]
        var name: String?
        var contentType = reference.declaredMediaType
        var fetchInfo: FetchInfo?
        switch reference.location {
        case .failed(let error):
            throw error
        case .file(let path):
            bytes = try FileSystem.readFile(path, limit: options.maxBytes, source: reference.source)
            name = path
        case .rawFile(let path):
            bytes = try FileSystem.readFile(path, limit: options.maxBytes, source: reference.source)
            name = path.escaped
        case .url(let url):
            let response = try await fetcher.fetch(url)
            bytes = response.body
            name = response.info.finalURL
            contentType = contentType ?? response.info.contentType
            fetchInfo = response.info
        case .inline(let inline):
            guard inline.count <= options.maxBytes else {
                throw IngestionError(source: reference.source, .tooLarge(limit: options.maxBytes))
            }
            bytes = inline
        }
        let fetched = HTTPFetcher.now()
        let extraction = try extract(bytes: bytes, name: name, contentType: contentType, source: reference.source)
        return Document(
            id: reference.id, source: reference.source, mediaType: extraction.mediaType, title: extraction.title,
            byteSize: bytes.count, encoding: extraction.encoding, text: extraction.text, question: reference.question,
            fetch: fetchInfo, fetchSeconds: fetched - start, extractSeconds: HTTPFetcher.now() - fetched)
    }

    /// Media type decision and text extraction for bytes in memory (synchronous, CPU only).
    /// `name` is a file path or URL for its extension; `contentType` a `Content-Type` value.
    public func extract(bytes: [UInt8], name: String?, contentType: String?, source: String) throws(IngestionError)
        -> Extraction
    {
        try extract(bytes: bytes, name: name, contentType: contentType, source: source, decompressed: false)
    }

    private func extract(bytes: [UInt8], name: String?, contentType: String?, source: String, decompressed: Bool)
        throws(IngestionError) -> Extraction
    {
        let decision = try MediaTypeResolver.resolve(contentType: contentType, name: name, bytes: bytes, source: source)
        switch decision.mediaType {
        case .gzip:
            guard !decompressed else { throw IngestionError(source: source, .compressedContent("gzip inside gzip")) }
            let inner = try GzipDecoder.decompress(bytes: bytes, limit: options.maxBytes, source: source)
            // A label naming the content (text/html over gzip bytes without Content-Encoding)
            // still describes the decompressed bytes; a gzip label does not.
            let innerType = contentType.map(ContentType.init).flatMap {
                MediaType.fromMIME($0.mime) == .known(.gzip) ? nil : contentType
            }
            let innerName = name.map(MediaTypeResolver.strippingCompressionExtension)
            return try extract(
                bytes: inner, name: innerName, contentType: innerType, source: source, decompressed: true)
        case .pdf:
            throw IngestionError(source: source, .unsupportedMediaType("application/pdf"))
        default:
            guard let kind = ExtractorKind.forMediaType(decision.mediaType) else {
                throw IngestionError(source: source, .unsupportedMediaType(decision.mediaType.rawValue))
            }
            let input = ExtractionInput(
                bytes: bytes, source: source, mediaType: decision.mediaType, declaredCharset: decision.charset)
            let extraction = try kind.extractor.extract(input)
            if extraction.text.isEmpty { throw IngestionError(source: source, .emptyDocument) }
            return extraction
        }
    }
}
