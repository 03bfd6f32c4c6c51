import ArgumentParser
import BatchPipeline
import Foundation

/// `easykv merge`: the outputs of shard runs as one file, one line per id, in input order.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge JSON Lines outputs of shard runs into one file (one line per id, input order).",
        discussion: "Where an id appears twice, an ok record wins over an error record, else the later one.")

    @Argument(help: "Output files of `easykv run` (for example output/summaries.*.jsonl).")
    var inputs: [String]

    @Option(name: [.short, .long], help: "The merged file (default: standard output).")
    var output: String?

    func run() throws {
        do throws(PipelineError) {
            let summary: OutputMerger.Summary
            if let output {
                summary = try OutputMerger.merge(inputs, into: output)
            } else {
                let (lines, s) = try OutputMerger.merge(inputs)
                for line in lines { print(line) }
                summary = s
            }
            var text =
                "easykv merge: \(summary.files) files, \(summary.records) records (\(summary.ok) ok, \(summary.failed) failed)"
            if summary.duplicates > 0 { text += ", \(summary.duplicates) duplicate lines dropped" }
            if summary.invalidLines > 0 { text += ", \(summary.invalidLines) unreadable lines skipped" }
            if summary.tornFiles > 0 { text += ", \(summary.tornFiles) files ended in a torn line (ignored)" }
            if let output { text += " -> \(output)" }
            if summary.configurations > 1 {
                text +=
                    "\nwarning: the records come from \(summary.configurations) configurations (config_hash differs): the files were not made by one pipeline, model and settings"
            }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } catch {
            FileHandle.standardError.write(Data("easykv merge: \(error)\n".utf8))
            throw ExitCode(error.isInvocationError ? 2 : 1)
        }
    }
}
