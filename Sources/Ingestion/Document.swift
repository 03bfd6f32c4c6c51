/// One input turned into clean text with its metadata: what the pipeline summarises or questions.
public struct Document: Sendable, Hashable {
    /// Stable identifier: the path relative to the input root, the URL, or the JSON Lines `id`.
    public var id: String
    /// Where the bytes came from: a file path, a URL, `stdin`, or `file.jsonl:line`.
    public var source: String
    public var mediaType: MediaType
    /// The document's own title (HTML `<title>`, DocBook `<title>`, feed title), if it has one.
    public var title: String?
    /// Size of the bytes read or fetched (after HTTP content decoding, before text extraction).
    public var byteSize: Int
    /// The character encoding the bytes were decoded from (`"UTF-8"`, `"windows-1252"`, ...).
    public var encoding: String?
    /// Paragraphs separated by one blank line; whitespace collapsed inside paragraphs.
    public var text: String
    /// The question to ask about this document (JSON Lines inputs only).
    public var question: String?
    /// Set when the document was fetched from a URL.
    public var fetch: FetchInfo?
    /// Seconds spent reading or fetching the bytes.
    public var fetchSeconds: Double
    /// Seconds spent detecting the media type and extracting the text.
    public var extractSeconds: Double

    public init(
        id: String, source: String, mediaType: MediaType, title: String?, byteSize: Int, encoding: String?,
        text: String, question: String? = nil, fetch: FetchInfo? = nil, fetchSeconds: Double = 0,
        extractSeconds: Double = 0
    ) {
        self.id = id
        self.source = source
        self.mediaType = mediaType
        self.title = title
        self.byteSize = byteSize
        self.encoding = encoding
        self.text = text
        self.question = question
        self.fetch = fetch
        self.fetchSeconds = fetchSeconds
        self.extractSeconds = extractSeconds
    }
}

/// What happened on the wire for a fetched document.
public struct FetchInfo: Sendable, Hashable {
    /// The URL after following redirects.
    public var finalURL: String
    /// HTTP status of the final response (0 for `file://`).
    public var status: Int
    /// The `Content-Type` header of the final response, if any.
    public var contentType: String?
    public var redirects: Int
    /// 1 plus the number of retries after 429/5xx answers.
    public var attempts: Int

    public init(finalURL: String, status: Int, contentType: String?, redirects: Int, attempts: Int) {
        self.finalURL = finalURL
        self.status = status
        self.contentType = contentType
        self.redirects = redirects
        self.attempts = attempts
    }
}
