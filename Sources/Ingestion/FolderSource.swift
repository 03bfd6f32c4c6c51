/// Every file under a folder, recursively, sorted by relative path (UTF-8 byte order). Ids are paths relative to the folder.
///
/// Hidden entries (names starting with `.`) are skipped unless asked for. Symbolic links are
/// followed, but each directory is entered once (by device and inode), so link loops end; a link
/// that leads outside the folder is refused unless `followSymbolicLinksOutside`. Sockets, FIFOs
/// and devices are skipped (reading a FIFO could block forever); an unreadable subfolder, a
/// broken link or a refused one becomes a reference carrying its error. Names need not be UTF-8:
/// such a file is read by its bytes, and its id shows each undecodable byte as `\xNN`.
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

        public init(
            include: [String] = [], exclude: [String] = [], includeHidden: Bool = false,
            followSymbolicLinks: Bool = true, followSymbolicLinksOutside: Bool = InputPolicy().followSymlinksOutside
        ) {
            self.include = include
            self.exclude = exclude
            self.includeHidden = includeHidden
            self.followSymbolicLinks = followSymbolicLinks
            self.followSymbolicLinksOutside = followSymbolicLinksOutside
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
