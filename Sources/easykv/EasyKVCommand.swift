import ArgumentParser

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
}
