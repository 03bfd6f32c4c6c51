import ArgumentParser
import Kernels
import LanguageModels

/// `--model`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "GGUF model file (default: $EASYKV_MODEL, else models/\(ModelLocator.defaultFileName)).")
    var model: String?

    @Flag(
        name: .long,
        help: "Prefill in fp32 on a dequantized copy of the weights (results within 1e-4 of transformers; more memory)."
    )
    var exact = false

    /// How to load the model these options name.
    func loadOptions(ntkLength: Int? = nil) -> LoadOptions { LoadOptions(ntkLength: ntkLength, exact: exact) }

    /// The resolved path, or a validation error naming what was tried.
    func resolvedPath() throws -> String {
        do { return try ModelLocator.resolve(model) } catch { throw ValidationError(error.description) }
    }

    /// Sets the worker threads (`--threads`; nil: every core), then loads the model, its
    /// tokenizer and chat template.
    func load(threads: Int?, ntkLength: Int? = nil) throws -> LoadedModel {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        CLI.configureThreads(threads)
        let path = try resolvedPath()
        let options = loadOptions(ntkLength: ntkLength)
        return try CLI.report { try LoadedModel.load(path: path, options: options) }
    }
}
