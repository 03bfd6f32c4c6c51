#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard input as one document, id `stdin`. Read when listed, up to `maxBytes`.
public struct StandardInputSource: DocumentSource {
    public var maxBytes: Int

    public init(maxBytes: Int = DocumentLoader.Options.defaultMaxBytes) { self.maxBytes = maxBytes }

    public func references() throws(IngestionError) -> [DocumentReference] {
        do throws(IngestionError) {
            let bytes = try FileSystem.readAll(fd: STDIN_FILENO, limit: maxBytes, source: "stdin")
            return [DocumentReference(id: "stdin", source: "stdin", location: .inline(bytes: bytes))]
        } catch {
            return [DocumentReference(id: "stdin", source: "stdin", location: .failed(error))]
        }
    }
}
