/// Every file under a folder, recursively, sorted by relative path (UTF-8 byte order). Ids are paths relative to the folder.
///
/// Hidden entries (names starting with `.`) are skipped unless asked for, and so are the files in
/// `excludedFiles` (a pipeline's own output, lock and temporary files when the output is inside
/// an input folder). Symbolic links are followed, but each directory is entered once (by device
/// and inode), so link loops end; a link that leads outside the folder is refused unless
/// `followSymbolicLinksOutside`. Sockets, FIFOs and devices are skipped (reading a FIFO could
/// block forever); an unreadable subfolder, a broken link or a refused one becomes a reference
/// carrying its error. Names need not be UTF-8: such a file is read by its bytes, and its id shows
/// each undecodable byte as `\xNN`.
public struct FolderSource: DocumentSource {
    public struct Options: Sendable, Hashable {
        /// Patterns a file must match (any of them); empty means every file.
        public var include: [String]
        /// Patterns that exclude a file, or a whole folder when they match its path.
        public var exclude: [String]
        public var includeHidden: Bool
        public var followSymbolicLinks: Bool
        /// Whether a link may lead to a file or folder outside the folder (`input.follow_symlinks_outside`).
        public var followSymbolicLinksOutside: Bool
        /// Files never listed, whatever their name or the path they are reached by (links and
        /// hard links included).
        public var excludedFiles: Set<FileIdentity>

        public init(
            include: [String] = [], exclude: [String] = [], includeHidden: Bool = false,
            followSymbolicLinks: Bool = true, followSymbolicLinksOutside: Bool = InputPolicy().followSymlinksOutside,
            excludedFiles: Set<FileIdentity> = []
        ) {
            self.include = include
            self.exclude = exclude
            self.includeHidden = includeHidden
            self.followSymbolicLinks = followSymbolicLinks
            self.followSymbolicLinksOutside = followSymbolicLinksOutside
            self.excludedFiles = excludedFiles
        }
    }

    /// A file by device and inode: the same file under any name.
    public struct FileIdentity: Sendable, Hashable {
        public var device: UInt64
        public var inode: UInt64

        /// The identity of the file at `path` (links followed), or nil if there is none.
        public init?(path: String) {
            guard let status = FileSystem.status(path) else { return nil }
            self.init(status)
        }

        init(_ status: FileSystem.Status) {
            device = status.device
            inode = status.inode
        }
    }

    public var root: String
    public var options: Options

    public init(root: String, options: Options = .init()) {
        self.root = root
        self.options = options
    }

    public func references() throws(IngestionError) -> [DocumentReference] {
        let include = try options.include.map { (p) throws(IngestionError) in try Glob(p) }
        let exclude = try options.exclude.map { (p) throws(IngestionError) in try Glob(p) }
        guard let rootStatus = FileSystem.status(root), rootStatus.isDirectory else {
            throw IngestionError(source: root, .cannotRead("not a directory"))
        }
        var base = root
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        let basePath = RawPath(base)
        let realRoot = options.followSymbolicLinksOutside ? nil : FileSystem.resolved(basePath)
        var references: [DocumentReference] = []
        var visited: Set<[UInt64]> = [[rootStatus.device, rootStatus.inode]]
        // Depth-first with an explicit stack of relative folder paths, kept in sorted order.
        var pending: [RawPath] = [RawPath(bytes: [])]
        while let relativeDir = pending.popLast() {
            let dirPath = basePath.appending(relativeDir)
            let names: [RawPath]
            do throws(IngestionError) {
                names = try FileSystem.directoryEntries(dirPath)
            } catch {
                references.append(failed(relativeDir, dirPath, error.reason))
                continue
            }
            var subfolders: [RawPath] = []
            for name in names {
                if !options.includeHidden, name.bytes.first == UInt8(ascii: ".") { continue }
                let relative = relativeDir.appending(name)
                let path = basePath.appending(relative)
                let id = relative.escaped
                if FileSystem.isSymbolicLink(path) {
                    if !options.followSymbolicLinks { continue }
                    // The run's own files are skipped however they are reached, before any refusal.
                    if let status = FileSystem.status(path), options.excludedFiles.contains(FileIdentity(status)) {
                        continue
                    }
                    if let realRoot, let target = FileSystem.resolved(path), !FileSystem.isInside(target, realRoot) {
                        references.append(failed(relative, path, .outsideInput(target.escaped)))
                        continue
                    }
                }
                guard let status = FileSystem.status(path) else {
                    references.append(failed(relative, path, .cannotRead("broken symbolic link or vanished file")))
                    continue
                }
                if status.isDirectory {
                    if exclude.contains(where: { $0.matches(id) }) { continue }
                    if visited.insert([status.device, status.inode]).inserted { subfolders.append(relative) }
                } else if status.isRegular {
                    if options.excludedFiles.contains(FileIdentity(status)) { continue }
                    if exclude.contains(where: { $0.matches(id) }) { continue }
                    if !include.isEmpty, !include.contains(where: { $0.matches(id) }) { continue }
                    let location: DocumentReference.Location =
                        path.string.map { .file(path: $0) } ?? .rawFile(path: path)
                    references.append(DocumentReference(id: id, source: path.escaped, location: location))
                }
            }
            pending.append(contentsOf: subfolders.reversed())
        }
        return references.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    private func failed(_ relative: RawPath, _ path: RawPath, _ reason: IngestionError.Reason) -> DocumentReference {
        DocumentReference(
            id: relative.bytes.isEmpty ? "." : relative.escaped, source: path.escaped,
            location: .failed(IngestionError(source: path.escaped, reason)))
    }
}
