import ArgumentParser
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
}
