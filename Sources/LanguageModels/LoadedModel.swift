import Foundation
import GGUF
import Tokenizers

/// A model ready to run: the forward pass, its tokenizer, its chat template and a name for
/// records and messages — loaded one way for every command, pipeline and evaluation.
public struct LoadedModel: Sendable {
    public let model: any LanguageModel
    public let tokenizer: any Tokenizer
    /// The chat template (the model's own, or a custom one); nil when there is none, with the
    /// reason in `chatTemplateProblem`.
    public let chatTemplate: ChatTemplate?
    public let chatTemplateProblem: String?
    /// The model file's name (what output records carry).
    public let name: String

    public init(
        model: any LanguageModel, tokenizer: any Tokenizer, chatTemplate: ChatTemplate?, name: String,
        chatTemplateProblem: String? = nil
    ) {
        self.model = model
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.chatTemplateProblem = chatTemplate == nil ? (chatTemplateProblem ?? "no chat template") : nil
        self.name = name
    }

    /// Opens `path` (mapped once) and loads the weights, the tokenizer and the chat template:
    /// `customChatTemplate` (`{system}`/`{user}` placeholders) when given, else the GGUF's own.
    public static func load(path: String, options: LoadOptions = LoadOptions(), customChatTemplate: String? = nil)
        throws(ModelError) -> LoadedModel
    {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw ModelError.file(error) }
        let model = try LlamaModel(file: file, options: options)
        let tokenizer: any Tokenizer
        do { tokenizer = try AutoTokenizer.load(from: file) } catch { throw ModelError.tokenizer(error) }
        var template: ChatTemplate?
        var problem: String?
        do {
            if let customChatTemplate {
                template = try ChatTemplate(custom: customChatTemplate)
            } else if file[GGUFKeys.chatTemplate] != nil {
                template = try ChatTemplate(file: file, tokenizer: tokenizer)
            } else {
                problem = "\(path) has no chat template"
            }
        } catch {
            if customChatTemplate != nil { throw ModelError.tokenizer(error) }
            problem = error.description
        }
        return LoadedModel(
            model: model, tokenizer: tokenizer, chatTemplate: template, name: (path as NSString).lastPathComponent,
            chatTemplateProblem: problem)
    }

    /// The chat template, or an error saying why there is none.
    public func requireChatTemplate() throws(ModelError) -> ChatTemplate {
        guard let chatTemplate else {
            throw ModelError.invalidArgument(chatTemplateProblem ?? "\(name) has no chat template")
        }
        return chatTemplate
    }

    /// The tokens of probe rows: `question` (without BOS, control-token text kept as text) and
    /// KVzip's reconstruction instruction.
    public func probeTokens(question: String? = nil) -> ProbeTokens {
        ProbeTokens(
            question: question.map { tokenizer.encode($0, addSpecial: false, parseSpecial: false) } ?? [],
            repeatInstruction: tokenizer.encode(ProbeTokens.repeatText, addSpecial: false, parseSpecial: false))
    }

    /// Ids that end generation: EOS and the end-of-turn tokens.
    public var stopTokenIDs: Set<Int> {
        var stops = tokenizer.endOfTurnIDs
        if let eos = tokenizer.eosID { stops.insert(eos) }
        return stops
    }
}
