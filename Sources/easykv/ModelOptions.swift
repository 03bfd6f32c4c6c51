import ArgumentParser
import Kernels
import LanguageModels

/// `--model`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "GGUF model file (default: $EASYKV_MODEL, else models/\(ModelLocator.defaultFileName)).")
    var model: String?

    /// The resolved path, or a validation error naming what was tried.
    func resolvedPath() throws -> String {
        do { return try ModelLocator.resolve(model) } catch { throw ValidationError(error.description) }
    }

    /// Sets the worker threads (`--threads`; nil: every core), then loads the model, its
    /// tokenizer and chat template.
    func load(threads: Int?, _ options: LoadOptions = LoadOptions()) throws -> LoadedModel {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        CLI.configureThreads(threads)
        let path = try resolvedPath()
        return try CLI.report { try LoadedModel.load(path: path, options: options) }
    }
}
