/// An input named by a source but not yet read: what `DocumentLoader` turns into a `Document`.
///
/// Sources only list references (cheap); reading, fetching and extracting happen in the loader, so
/// a pipeline can run them concurrently. A reference that could not even be listed properly (a
/// malformed JSON line, an unreadable folder) carries its error, so it still yields one record.
public struct DocumentReference: Sendable, Hashable {
    /// Where the content is.
    public enum Location: Sendable, Hashable {
        /// A local file (absolute or relative to the working directory).
        case file(path: String)
        /// A local file whose path is not valid UTF-8, by its bytes.
        case rawFile(path: RawPath)
        /// An `http`, `https` or `file` URL.
        case url(String)
        /// Bytes given inline (standard input, a JSON Lines `text` field).
        case inline(bytes: [UInt8])
        /// The source could not describe this input; loading it fails with this error.
        case failed(IngestionError)
    }

    /// Stable identifier (see `Document.id`).
    public var id: String
    /// Where it came from, for messages and records (see `Document.source`).
    public var source: String
    public var location: Location
    /// The question to ask about this document (JSON Lines inputs only).
    public var question: String?
    /// A media type the input declared (JSON Lines `media_type`), trusted like a `Content-Type`.
    public var declaredMediaType: String?

    public init(
        id: String, source: String, location: Location, question: String? = nil, declaredMediaType: String? = nil
    ) {
        self.id = id
        self.source = source
        self.location = location
        self.question = question
        self.declaredMediaType = declaredMediaType
    }
}
