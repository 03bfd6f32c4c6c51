import GGUF

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What identifies a model file in a run's configuration hash, without reading its weights: its
/// name, its size, and the SHA-256 of everything before the tensor data (GGUF header, metadata —
/// architecture, hyperparameters, tokenizer, chat template — and the tensor index with every
/// tensor's name, type, shape and offset). A re-quantized, re-converted or retokenized model
/// changes the hash; reading a few MiB instead of the whole file keeps `--resume` instant.
public struct ModelIdentity: Sendable, Equatable {
    /// The file name (no folder: moving the models folder does not invalidate results).
    public var name: String
    public var size: Int
    /// SHA-256 of bytes `0..<dataOffset` of the GGUF file, as hex.
    public var headerSHA256: String

    public init(name: String, size: Int, headerSHA256: String) {
        self.name = name
        self.size = size
        self.headerSHA256 = headerSHA256
    }

    /// Reads the identity of the GGUF file at `path` (the header is parsed and validated).
    public init(path: String) throws(PipelineError) {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw PipelineError.model(error.description) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PipelineError.model("\(path): cannot open: \(JSONLinesWriter.errnoText())") }
        defer { _ = closeDescriptor(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < file.dataOffset {
            let want = min(buffer.count, file.dataOffset - offset)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(offset)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw PipelineError.model("\(path): cannot read the header: \(JSONLinesWriter.errnoText())")
            }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += n
        }
        self.init(
            name: OutputPath.name(of: path), size: file.fileSize, headerSHA256: SHA256.hex(hasher.finalize()))
    }
}
