/// Something that names documents: a file, a folder, a URL list, JSON Lines, standard input.
///
/// A source only lists references; `DocumentLoader` reads them. Listing fails as a whole only
/// when the source itself cannot be read (a missing folder); an entry that cannot be described
/// (a malformed JSON line) becomes a reference carrying its error, so it still yields a record.
public protocol DocumentSource: Sendable {
    /// The documents this source names, in a stable order.
    func references() throws(IngestionError) -> [DocumentReference]
}

/// How a command-line argument becomes a source.
public enum SourceArgument {
    /// `-` is standard input; `http://`, `https://` and `file://` arguments are URLs; a directory
    /// is a folder (with `folderOptions`); anything else is a file.
    public static func source(for argument: String, folderOptions: FolderSource.Options = .init()) -> any DocumentSource
    {
        if argument == "-" { return StandardInputSource() }
        if URLValidator.scheme(of: argument) != nil { return URLSource(url: argument) }
        if FileSystem.isDirectory(argument) { return FolderSource(root: argument, options: folderOptions) }
        return FileSource(path: argument)
    }
}

/// One file. Its id is the path as given, without a leading `./`.
public struct FileSource: DocumentSource {
    public var path: String

    public init(path: String) { self.path = path }

    public func references() throws(IngestionError) -> [DocumentReference] {
        var id = path
        while id.hasPrefix("./") { id.removeFirst(2) }
        return [DocumentReference(id: id, source: path, location: .file(path: path))]
    }
}

/// One URL. Its id is the URL as given, less any credentials (`user:pass@` becomes `***@`).
public struct URLSource: DocumentSource {
    public var url: String

    public init(url: String) { self.url = url }

    public func references() throws(IngestionError) -> [DocumentReference] {
        let shown = URLValidator.redacted(url)
        do throws(IngestionError) {
            try URLValidator.validate(url)
        } catch {
            return [DocumentReference(id: shown, source: shown, location: .failed(error))]
        }
        return [DocumentReference(id: shown, source: shown, location: .url(url))]
    }
}
