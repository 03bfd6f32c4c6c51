import Foundation
import LanguageModels
import Tokenizers

/// The model side of a run, loaded once: weights, tokenizer, chat template, prompt limit.
public struct ModelRuntime: Sendable {
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let builder: PromptBuilder
    public let modelName: String
    /// Largest prompt: `chunking.max_prompt_tokens`, else the context length minus
    /// `generation.max_tokens`.
    public let maxPromptTokens: Int

    public init(spec: PipelineSpec) throws(PipelineError) {
        let path: String
        do { path = try ModelLocator.resolve(spec.model) } catch { throw PipelineError.model(error.description) }
        do { model = try LlamaModel(path: path) } catch { throw PipelineError.model(error.description) }
        do { tokenizer = try AutoTokenizer.load(from: model.file) } catch {
            throw PipelineError.model(error.description)
        }
        let chat: ChatTemplate
        do {
            if let custom = spec.prompt.chatTemplate {
                chat = try ChatTemplate(custom: custom)
            } else {
                chat = try ChatTemplate(file: model.file, tokenizer: tokenizer)
            }
        } catch {
            throw PipelineError.model("\(error) (set prompt.chat_template to a custom \"{system} … {user}\" template)")
        }
        builder = PromptBuilder(tokenizer: tokenizer, chat: chat, system: spec.prompt.system)
        modelName = (path as NSString).lastPathComponent
        let context = model.configuration.contextLength
        maxPromptTokens = spec.chunking.maxPromptTokens ?? (context - spec.generation.maxTokens)
        guard maxPromptTokens >= 64 else {
            throw PipelineError.invalidSpec(
                location: spec.origin, key: "generation.max_tokens",
                message:
                    "\(spec.generation.maxTokens) leaves no room for a prompt in the model's context of \(context) tokens"
            )
        }
    }
}
