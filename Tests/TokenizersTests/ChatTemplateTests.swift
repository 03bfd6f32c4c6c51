import GGUF
import Testing

@testable import Tokenizers

/// Native rendering of each template family against jinja2's rendering of the real template.
@Suite struct ChatTemplateTests {
    struct TemplateSource: Decodable, Sendable {
        let source: String
        let bosToken: String
        let eosToken: String
    }

    struct RenderCase: Decodable, Sendable, CustomTestStringConvertible {
        let template: String
        let messages: [ChatMessage]
        let addGenerationPrompt: Bool
        let expected: String?
        let error: String?
        var testDescription: String {
            "\(template) \(messages.map(\.role).joined(separator: ",")) gen=\(addGenerationPrompt)"
        }
    }

    struct TemplateFile: Decodable {
        let templates: [String: TemplateSource]
        let cases: [RenderCase]
    }

    static let file = try? TokenizerFixtures.decode(TemplateFile.self, "chat_templates.json")
    static let cases = file?.cases ?? []

    static let expectedFamily: [String: ChatTemplateFamily] = [
        "chatml-smollm2": .chatML, "chatml": .chatML, "llama2": .llama2, "mistral": .mistral,
        "zephyr": .zephyr, "llama3": .llama3,
    ]

    @Test func fixtureLoads() throws {
        let file = try #require(Self.file)
        #expect(Set(file.templates.keys) == Set(Self.expectedFamily.keys))
        #expect(Self.cases.count >= 100)
        #expect(Self.cases.contains { $0.error != nil })
    }

    @Test(arguments: cases)
    func rendersLikeJinja(_ c: RenderCase) throws {
        let source = try #require(Self.file?.templates[c.template])
        let template = try ChatTemplate(jinja: source.source, bosToken: source.bosToken, eosToken: source.eosToken)
        #expect(template.family == Self.expectedFamily[c.template])
        if let expected = c.expected {
            #expect(try template.render(c.messages, addGenerationPrompt: c.addGenerationPrompt) == expected)
        } else {
            #expect {
                try template.render(c.messages, addGenerationPrompt: c.addGenerationPrompt)
            } throws: { error in
                guard let e = error as? TokenizerError, case .unsupportedConversation(let why) = e.reason else {
                    return false
                }
                return why == c.error
            }
        }
    }

    @Test func smolLM2TemplateFromTheModel() throws {
        let file = try TokenizerFixtures.smolFile.get()
        let tokenizer = try TokenizerFixtures.smol.get()
        let template = try ChatTemplate(file: file, tokenizer: tokenizer)
        #expect(template.family == .chatML)
        let format = try #require(template.format as? ChatMLFormat)
        #expect(format.defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let ids = try template.encode([.user("Hi")], with: tokenizer)
        #expect(ids.first == 1)  // <|im_start|>, and no BOS added (add_bosToken is false)
        #expect(tokenizer.decode(ids) == (try template.render([.user("Hi")])))
    }

    @Test func llama2PromptIsNotGivenASecondBOS() throws {
        let tokenizer = try TokenizerFixtures.spm.get()
        let file = try TokenizerFixtures.spmFile.get()
        let template = try ChatTemplate(file: file, tokenizer: tokenizer)
        #expect(template.family == .llama2)
        let ids = try template.encode([.system("S"), .user("Q")], with: tokenizer)
        #expect(ids.first == 1)
        #expect(ids.filter { $0 == 1 }.count == 1)
    }

    @Test func customTemplate() throws {
        let template = try ChatTemplate(
            custom: "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n")
        #expect(template.family == nil)
        #expect(
            try template.render([.system("Be brief."), .user("Say {system} {x}")])
                == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nSay {system} {x}<|im_end|>\n")
        #expect(try template.render([.user("Q")]) == "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n")
        #expect(throws: TokenizerError.self) { try template.render([.user("a"), .assistant("b"), .user("c")]) }
        #expect {
            try ChatTemplate(custom: "no placeholder here")
        } throws: { error in
            guard let e = error as? TokenizerError, case .invalidCustomTemplate = e.reason else { return false }
            return e.description.contains("{user}")
        }
    }

    @Test func unrecognisedTemplateSaysHowToGiveOne() {
        #expect {
            try ChatTemplate(jinja: "{% for m in messages %}{{ m.content }}{% endfor %}", bosToken: nil, eosToken: nil)
        } throws: { error in
            guard let e = error as? TokenizerError, case .unrecognizedChatTemplate = e.reason else { return false }
            return e.description.contains("{system}") && e.description.contains("{user}")
        }
    }

    @Test func missingTemplateIsAnError() throws {
        let file = try TokenizerFixtures.spmFile.get()
        var w = GGUFWriter()
        for key in file.metadataKeys where key != GGUFKeys.chatTemplate {
            if let value = file[key] { w.add(key, value) }
        }
        let stripped = try TokenizerFixtures.gguf(w)
        let tokenizer = try AutoTokenizer.load(from: stripped)
        #expect(throws: TokenizerError(source: stripped.path, .missingChatTemplate)) {
            try ChatTemplate(file: stripped, tokenizer: tokenizer)
        }
    }

    @Test func pythonStripMatchesStrSplit() {
        #expect(pythonStrip("  a b \n\t") == "a b")
        #expect(pythonStrip("\u{1C}\u{3000}x\u{A0}") == "x")
        #expect(pythonStrip(" \n ") == "")
        #expect(pythonStrip("\u{200B}x") == "\u{200B}x")  // zero-width space is not whitespace
    }
}
