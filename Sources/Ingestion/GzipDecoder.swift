internal import CLibXML2

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decompresses gzip files through libxml2's zlib-backed file input (xmlIO.c opens local files
/// with `gzopen`, which reads gzip transparently), so no other C library is linked. Output stops
/// as soon as it passes the size limit, which also defuses decompression bombs.
enum GzipDecoder {
    /// Bytes requested from libxml2 per read.
    static let readSize: Int32 = 1 << 16

    static func decompress(path: String, limit: Int, source: String) throws(IngestionError) -> [UInt8] {
        LibXML.ensureInitialized()
        // An absolute path cannot be mistaken for a URL by libxml2's input callbacks.
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        guard let input = xmlParserInputBufferCreateFilename(absolute, XML_CHAR_ENCODING_NONE) else {
            throw IngestionError(source: source, .cannotRead("cannot open gzip stream"))
        }
        defer { xmlFreeParserInputBuffer(input) }
        while true {
            let n = xmlParserInputBufferRead(input, readSize)
            if n < 0 { throw IngestionError(source: source, .compressedContent("corrupt gzip data")) }
            let used = Int(xmlBufUse(input.pointee.buffer))
            if used > limit { throw IngestionError(source: source, .tooLarge(limit: limit)) }
            if n == 0 { break }
        }
        let count = Int(xmlBufUse(input.pointee.buffer))
        guard count > 0, let content = xmlBufContent(input.pointee.buffer) else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: count))
    }

    /// Decompresses bytes held in memory by way of a private temporary file.
    static func decompress(bytes: [UInt8], limit: Int, source: String) throws(IngestionError) -> [UInt8] {
        var template = Array("/tmp/easykv-gzip-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw IngestionError(source: source, .cannotRead("cannot create a temporary file to decompress"))
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            throw IngestionError(source: source, .cannotRead("cannot write a temporary file to decompress"))
        }
        return try decompress(path: path, limit: limit, source: source)
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
