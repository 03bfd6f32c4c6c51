#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The path rules of an output file: `-` is standard output; a symbolic link is written through
/// to its target; the lock and temporary files live beside the target under names derived from
/// it, so discovery can leave them out and two links to one file share one lock.
public enum OutputPath {
    /// `--output -`: records go to standard output.
    public static let standardOutput = "-"

    public static func isStandardOutput(_ path: String) -> Bool { path == standardOutput }

    /// The folder part of `path` (`""` for a bare name). Plain string work:
    /// `NSString.deletingLastPathComponent` traps on one-character names on Linux (issue 16
    /// item 20: `--output -` and `--output o` crashed with "Illegal instruction").
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    public static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` with symbolic links in its last component followed to the file they name (even
    /// one that does not exist yet). Replacing the file then writes the target instead of
    /// turning the link into a regular file (issue 16 item 11); links in the folders above need
    /// no care, since `rename` resolves them. Gives up after 40 links (Linux's `MAXSYMLINKS`),
    /// returning the last path reached: opening it then fails with ELOOP, naming it.
    public static func resolvingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.hasPrefix("/") {
                current = target
            } else {
                let folder = folder(of: current)
                current = folder.isEmpty ? target : (folder == "/" ? "/" + target : folder + "/" + target)
            }
        }
        return current
    }

    /// The lock file of the output whose (resolved) file is `target`.
    public static func lockPath(for target: String) -> String { target + ".lock" }

    /// The temporary file an atomic rewrite of `target` writes before renaming it into place.
    public static func temporaryPath(for target: String) -> String { target + ".tmp-\(getpid())" }

    /// Whether a file called `name` in the output's folder is one of the run's own files: the
    /// output itself, its lock, or a temporary file of a rewrite (left behind by a killed run).
    public static func isOwnFile(_ name: String, ofOutputNamed output: String) -> Bool {
        if name == output || name == output + ".lock" { return true }
        let prefix = output + ".tmp-"
        return name.hasPrefix(prefix) && name.count > prefix.count
            && name.dropFirst(prefix.count).allSatisfy { $0.isASCII && $0.isNumber }
    }
}
