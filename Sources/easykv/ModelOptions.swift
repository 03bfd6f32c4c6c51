import ArgumentParser
import LanguageModels

/// `--model`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "GGUF model file (default: $EASYKV_MODEL, else models/\(ModelLocator.defaultFileName)).")
    var model: String?

    /// The resolved path, or a validation error naming what was tried.
    func resolvedPath() throws -> String {
        do { return try ModelLocator.resolve(model) } catch { throw ValidationError(error.description) }
    }
}
