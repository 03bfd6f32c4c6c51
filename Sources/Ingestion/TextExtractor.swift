/// The bytes of one document with what is known about them, handed to a `TextExtractor`.
public struct ExtractionInput: Sendable {
    public var bytes: [UInt8]
    /// File path or URL, for error messages.
    public var source: String
    public var mediaType: MediaType
    /// The charset from a `Content-Type` header, if any.
    public var declaredCharset: String?

    public init(bytes: [UInt8], source: String, mediaType: MediaType, declaredCharset: String? = nil) {
        self.bytes = bytes
        self.source = source
        self.mediaType = mediaType
        self.declaredCharset = declaredCharset
    }
}

/// What an extractor found.
public struct Extraction: Sendable, Hashable {
    public var title: String?
    /// Paragraphs separated by one blank line.
    public var text: String
    /// The encoding the bytes were decoded from.
    public var encoding: String
    /// The media type, refined by what the parser saw (an XML file that is an Atom feed).
    public var mediaType: MediaType

    public init(title: String?, text: String, encoding: String, mediaType: MediaType) {
        self.title = title
        self.text = text
        self.encoding = encoding
        self.mediaType = mediaType
    }
}

/// Turns the bytes of one media type into clean text. One conforming type per format.
public protocol TextExtractor: Sendable {
    func extract(_ input: ExtractionInput) throws(IngestionError) -> Extraction
}

/// The extractors by name; `forMediaType` is the one place a media type picks its extractor.
public enum ExtractorKind: String, Sendable, CaseIterable {
    case plainText = "text"
    case html
    case xml
    case feed

    public var extractor: any TextExtractor {
        switch self {
        case .plainText: return PlainTextExtractor()
        case .html: return HTMLExtractor()
        case .xml: return XMLExtractor()
        case .feed: return FeedExtractor()
        }
    }

    /// nil for media types without text (`gzip` must be decompressed first, `pdf` is refused).
    public static func forMediaType(_ type: MediaType) -> ExtractorKind? {
        switch type {
        case .plainText, .markdown: return .plainText
        case .html: return .html
        case .xhtml, .xml: return .xml
        case .atom, .rss: return .feed
        case .gzip, .pdf: return nil
        }
    }
}
