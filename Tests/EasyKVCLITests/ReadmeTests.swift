import Foundation
import TestSupport
import Testing

/// The README's command synopses against the real CLI, flag by flag (issue 16 item 23: it had
/// `eval fidelity --prompt` for `--template`, and lacked `--kv-seed`, `--ntk-length`, `--exact`
/// and more). Each command's synopsis lists exactly the long flags its `--help` shows.
@Suite struct ReadmeTests {
    static let readme = TestModel.repositoryRoot + "/README.md"

    /// Every command and subcommand a user can run.
    static let commands = [
        "run", "merge", "generate", "eval passkey", "eval fidelity", "eval ppl", "extract", "tokenize", "inspect",
        "bench",
    ]

    /// Long flags in the README's synopses, by command. A synopsis is a fenced code block line
    /// starting with `easykv <command>` and its indented continuation lines; a `common:` line
    /// (and its continuations) adds its flags to every command of its block.
    static func documentedFlags() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        var result: [String: Set<String>] = [:]
        var inBlock = false
        var blockCommands: [String] = []
        var common: Set<String> = []
        var current: String?
        func flush() {
            for command in blockCommands { result[command, default: []].formUnion(common) }
            blockCommands = []
            common = []
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if inBlock { flush() }
                inBlock.toggle()
                continue
            }
            guard inBlock else { continue }
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("easykv ") {
                let words = trimmed.split(separator: " ").dropFirst().prefix {
                    $0.allSatisfy { $0.isLowercase && $0.isLetter }
                }
                current = words.joined(separator: " ")
                if let current, !blockCommands.contains(current) { blockCommands.append(current) }
            } else if trimmed.hasPrefix("common:") {
                current = "common:"
            } else if line.first != " " {
                current = nil
            }
            guard let current else { continue }
            let flags = flagsIn(String(line))
            if current == "common:" { common.formUnion(flags) } else { result[current, default: []].formUnion(flags) }
        }
        return result
    }

    /// `--word` tokens of a line, without what follows `=` (`--resume[=changed]` is `--resume`).
    static func flagsIn(_ line: String) -> Set<String> {
        var flags: Set<String> = []
        var rest = Substring(line)
        while let r = rest.range(of: "--") {
            let name = rest[r.upperBound...].prefix { $0.isLowercase || $0.isNumber || $0 == "-" }
            if let first = name.first, first.isLetter { flags.insert("--" + name) }
            rest = rest[r.upperBound...]
        }
        return flags
    }

    /// The long flags `easykv <command> --help` defines (`--help` and `--version` aside), each
    /// with its aliases (`--strides, --stride`).
    static func helpFlags(_ command: String) throws -> [Set<String>] {
        let result = try CLIRunner.run(command.split(separator: " ").map(String.init) + ["--help"])
        var flags: [Set<String>] = []
        for line in result.stdout.split(separator: "\n") {
            // Option lines: "  -o, --output <output>   …", "  --strides, --stride <strides>   …" or
            // "  --resume [<changed>]   …": the names come before the two spaces of the help text.
            let trimmed = line.drop { $0 == " " }
            guard line.first == " ", trimmed.hasPrefix("-") else { continue }
            let definition = trimmed.range(of: "  ").map { trimmed[..<$0.lowerBound] } ?? trimmed
            let names = flagsIn(String(definition)).subtracting(["--help", "--version"])
            if !names.isEmpty { flags.append(names) }
        }
        return flags
    }

    @Test(arguments: commands)
    func synopsisListsExactlyTheFlagsOfHelp(_ command: String) throws {
        let documented = try #require(
            try Self.documentedFlags()[command], "README.md has no `easykv \(command)` synopsis")
        let real = try Self.helpFlags(command)
        #expect(!real.isEmpty, "no flags parsed from `easykv \(command) --help`")
        let missing = real.filter { $0.isDisjoint(with: documented) }.map { $0.sorted().joined(separator: "/") }
        #expect(missing.isEmpty, "missing from README.md: \(missing.sorted())")
        let unknown = documented.subtracting(real.reduce([], { $0.union($1) }))
        #expect(unknown.isEmpty, "not flags of `easykv \(command)`: \(unknown.sorted())")
    }

    /// The README links only to files that exist in the repository (the EasyKV spec it cited lived
    /// outside it).
    @Test(arguments: ["README.md", "pipelines/README.md", "docs/DESIGN-NOTES.md"])
    func relativeLinksResolve(_ file: String) throws {
        let path = TestModel.repositoryRoot + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var rest = Substring(text)
        var missing: [String] = []
        while let open = rest.range(of: "](") {
            let target = rest[open.upperBound...].prefix { $0 != ")" && $0 != "#" && $0 != " " }
            rest = rest[open.upperBound...]
            guard !target.isEmpty, !target.contains("://") else { continue }
            if !FileManager.default.fileExists(atPath: folder.appendingPathComponent(String(target)).path) {
                missing.append(String(target))
            }
        }
        for mention in ["shared/EASYKV-SPEC.md", "shared/DESIGN.md"] where text.contains("../" + mention) {
            missing.append("../" + mention)
        }
        #expect(missing.isEmpty, "\(file) links to files not in the repository: \(missing)")
    }
}
