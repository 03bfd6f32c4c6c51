import ArgumentParser
import Foundation
import GGUF
import LanguageModels

/// `easykv inspect`: what a GGUF model file holds and whether this tool can run it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print a GGUF model's architecture, hyperparameters and tensor types.")

    @Argument(help: "The GGUF file (default: the shipped model).")
    var path: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let file: GGUFFile
        let resolved: String
        do {
            resolved = try ModelLocator.resolve(path)
            file = try GGUFFile(path: resolved)
        } catch {
            FileHandle.standardError.write(Data("easykv inspect: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let config: ModelConfiguration
        do { config = try ModelConfiguration(file: file) } catch {
            FileHandle.standardError.write(Data("easykv inspect: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let summary = ModelSummary(file: file, config: config)
        print(json ? summary.json() : summary.text())
    }
}
