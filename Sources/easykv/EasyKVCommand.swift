import ArgumentParser
import Foundation

/// `easykv`: long documents through a Llama-family model under a KV-cache budget.
@main
struct EasyKVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "easykv",
        abstract: "Summarise and question long documents with a Llama-family model under a KV-cache budget.",
        version: "0.1.0",
        subcommands: [
            InspectCommand.self, GenerateCommand.self, TokenizeCommand.self, ExtractCommand.self, RunCommand.self,
            MergeCommand.self, EvalCommand.self,
            BenchCommand.self,
        ])

    /// swift-argument-parser's own `main`, except that an invalid flag or value exits with status
    /// 2, as the README promises and as Unix tools do for usage errors (`grep`, `ls`), instead of
    /// sysexits' `EX_USAGE` (64), which batch scripts do not expect.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(usageErrorStatus)
        }
    }

    /// The exit status of an invalid command line.
    static let usageErrorStatus: Int32 = 2
}
