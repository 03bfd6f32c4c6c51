import Ingestion

extension Document {
    /// The `content_hash` of records made from this document: SHA-256 of its extracted text in
    /// UTF-8 (the `text` of `easykv extract --json`), as hex. Edits that extraction drops (markup,
    /// whitespace, the file's encoding) leave it unchanged; edits to the text change it.
    public var contentHash: String { SHA256.hex(text) }
}
