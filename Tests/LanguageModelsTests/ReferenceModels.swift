import Foundation
import LanguageModels
import TestSupport
import Testing

/// Models shared by the tests (loading SmolLM2 takes about half a second; tests must not
/// change their settings).
enum ReferenceModels {
    /// SmolLM2 with every product in fp32 (the comparison with transformers).
    static let float: LlamaModel? = {
        guard let path = TestModel.path, let model = try? LlamaModel(path: path, options: LoadOptions(exact: true))
        else { return nil }
        model.quantizedRowLimit = 0
        model.quantizedOutput = false
        return model
    }()

    /// SmolLM2 as the tool runs it: int8 products for prefill and decode, no fp32 copy.
    static let standard: LlamaModel? = {
        guard let path = TestModel.path else { return nil }
        return try? LlamaModel(path: path)
    }()

    static func requireFloat() throws -> LlamaModel { try #require(float, "default model not found; run `make model`") }
    static func requireStandard() throws -> LlamaModel {
        try #require(standard, "default model not found; run `make model`")
    }
}
