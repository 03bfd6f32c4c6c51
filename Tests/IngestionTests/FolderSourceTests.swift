import Foundation
import Testing

@testable import Ingestion

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FolderSourceTests {
    func makeTree() throws -> URL {
        let root = try Fixtures.temporaryFolder()
        for file in [
            "b.txt", "a.html", "sub/c.xml", "sub/deeper/d.md", "sub/skip.log", ".hidden.txt", ".git/config",
            "build/out.txt",
        ] {
            _ = try Fixtures.write("text of \(file)", to: root, file)
        }
        return root
    }

    func ids(_ source: FolderSource) throws -> [String] { try source.references().map(\.id) }

    @Test func recursiveSortedRelativeIDsWithoutHiddenFiles() throws {
        let root = try makeTree()
        #expect(
            try ids(FolderSource(root: root.path)) == [
                "a.html", "b.txt", "build/out.txt", "sub/c.xml", "sub/deeper/d.md", "sub/skip.log",
            ])
        let reference = try FolderSource(root: root.path + "/").references()[0]
        #expect(reference.location == .file(path: root.path + "/a.html"))
        #expect(reference.source == root.path + "/a.html")
    }

    /// Excluded files are left out under any name: their own, a hard link, a symbolic link.
    @Test func excludedFilesByIdentity() throws {
        let root = try makeTree()
        try FileManager.default.linkItem(atPath: root.path + "/b.txt", toPath: root.path + "/sub/hard.txt")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/soft.txt", withDestinationPath: "b.txt")
        let excluded = try #require(FolderSource.FileIdentity(path: root.path + "/b.txt"))
        #expect(FolderSource.FileIdentity(path: root.path + "/missing") == nil)
        let source = FolderSource(root: root.path, options: .init(excludedFiles: [excluded]))
        #expect(try ids(source) == ["a.html", "build/out.txt", "sub/c.xml", "sub/deeper/d.md", "sub/skip.log"])
    }

    @Test func includeAndExcludeGlobs() throws {
        let root = try makeTree()
        let options = FolderSource.Options(include: ["*.txt", "*.xml", "*.md"], exclude: ["build", "sub/deeper/**"])
        #expect(try ids(FolderSource(root: root.path, options: options)) == ["b.txt", "sub/c.xml"])
    }

    @Test func hiddenFilesWhenAsked() throws {
        let root = try makeTree()
        let found = try ids(FolderSource(root: root.path, options: .init(includeHidden: true)))
        #expect(found.contains(".hidden.txt"))
        #expect(found.contains(".git/config"))
    }

    @Test func symlinkLoopsEndAndBrokenLinksAreReported() throws {
        let root = try makeTree()
        try FileManager.default.createSymbolicLink(
            atPath: root.path + "/sub/deeper/loop", withDestinationPath: root.path + "/sub")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/self", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(
            atPath: root.path + "/dangling.txt", withDestinationPath: root.path + "/nowhere")
        let references = try FolderSource(root: root.path).references()
        #expect(
            references.map(\.id) == [
                "a.html", "b.txt", "build/out.txt", "dangling.txt", "sub/c.xml", "sub/deeper/d.md", "sub/skip.log",
            ])
        guard case .failed(let error) = references[3].location else {
            Issue.record("broken link not reported")
            return
        }
        #expect(error.kind == "cannot_read")
        #expect(try ids(FolderSource(root: root.path, options: .init(followSymbolicLinks: false))).count == 6)
    }

    @Test func fifosAreSkipped() throws {
        let root = try makeTree()
        #expect(mkfifo(root.path + "/pipe", 0o600) == 0)
        #expect(try !ids(FolderSource(root: root.path)).contains("pipe"))
    }

    @Test func missingFolderFailsAsAWhole() {
        #expect(throws: IngestionError(source: "/nonexistent/easykv", .cannotRead("not a directory"))) {
            try FolderSource(root: "/nonexistent/easykv").references()
        }
    }

    @Test func sourceArgumentPicksTheSource() throws {
        let root = try makeTree()
        #expect(SourceArgument.source(for: root.path) is FolderSource)
        #expect(SourceArgument.source(for: root.path + "/b.txt") is FileSource)
        #expect(SourceArgument.source(for: "https://example.org/x") is URLSource)
        #expect(SourceArgument.source(for: "-") is StandardInputSource)
        #expect(try FileSource(path: "./docs/a.txt").references()[0].id == "docs/a.txt")
    }

    /// Issue 16 item 17: a name that is not UTF-8 (Latin-1 "é", a stray 0xFF) is listed and
    /// read by its bytes; its id shows the bad bytes as `\xNN`.
    @Test func namesThatAreNotUTF8AreRead() async throws {
        let root = RawPath(try Fixtures.temporaryFolder().path)
        let file = root.appending(RawPath(bytes: Array("caf".utf8) + [0xE9] + Array(".txt".utf8)))
        let folder = root.appending(RawPath(bytes: [0x64, 0xFF]))
        #expect(folder.withCString { mkdir($0, 0o700) } == 0)
        for (path, text) in [(file, "Latin-1 name."), (folder.appending(RawPath("inner.txt")), "Inside.")] {
            let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
            try #require(fd >= 0)
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let references = try FolderSource(root: root.escaped).references()
        #expect(references.map(\.id) == ["caf\\xe9.txt", "d\\xff/inner.txt"])
        #expect(references[0].source == root.escaped + "/caf\\xe9.txt")
        #expect(references[0].location == .rawFile(path: file))
        let loader = DocumentLoader()
        #expect(try await loader.load(references[0]).text == "Latin-1 name.")
        #expect(try await loader.load(references[1]).text == "Inside.")
    }

    /// Issue 16 item 19: a link that leads outside the folder is refused unless allowed; links
    /// inside it are followed as before.
    @Test func linksLeadingOutsideAreRefusedUnlessAllowed() throws {
        let root = try makeTree()
        let outside = try Fixtures.temporaryFolder()
        _ = try Fixtures.write("secret", to: outside, "secret.txt")
        try FileManager.default.createSymbolicLink(
            atPath: root.path + "/escape.txt", withDestinationPath: outside.path + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/away", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/inside.txt", withDestinationPath: "b.txt")
        let references = try FolderSource(root: root.path).references()
        let byID = Dictionary(uniqueKeysWithValues: references.map { ($0.id, $0) })
        #expect(byID["inside.txt"]?.location == .file(path: root.path + "/inside.txt"))
        for id in ["escape.txt", "away"] {
            guard case .failed(let error)? = byID[id]?.location else {
                Issue.record("\(id) was not refused")
                continue
            }
            #expect(error.kind == "outside_input")
            #expect(error.detail.contains("set input.follow_symlinks_outside: true"))
        }
        #expect(byID["away/secret.txt"] == nil)
        let allowed = try FolderSource(root: root.path, options: .init(followSymbolicLinksOutside: true)).references()
        #expect(allowed.map(\.id).contains("escape.txt") && allowed.map(\.id).contains("away/secret.txt"))
    }
}
