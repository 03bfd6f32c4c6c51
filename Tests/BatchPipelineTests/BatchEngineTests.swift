import Foundation
import KVCaches
import LanguageModels
import Testing
import Tokenizers

@testable import BatchPipeline

extension ModelBackedTests {
    /// Continuous batching on the real model: greedy outputs equal running each prompt alone.
    @Suite struct BatchEngineTests {
        let model: LlamaModel
        let tokenizer: any Tokenizer
        let prompts: [[Int]]
        let kv = KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 64, policy: .roco)
        let generation: GenerationSettings

        init() throws {
            model = try LlamaModel(path: PipelineFixtures.modelPath)
            tokenizer = try AutoTokenizer.load(from: model.file)
            let chat = try ChatTemplate(file: model.file, tokenizer: tokenizer)
            let builder = PromptBuilder(tokenizer: tokenizer, chat: chat, system: "You summarise documents.")
            // Prompts of 1 to 6 strides, so sequences are at different points when they share a step.
            var prompts: [[Int]] = []
            for (k, paragraphs) in [1, 3, 2, 5, 1, 4].enumerated() {
                prompts.append(
                    try builder.encode(
                        template: "Summarize:\n\n{document}", document: PipelineFixtures.prose(paragraphs, from: 3 * k),
                        title: "t",
                        question: nil))
            }
            self.prompts = prompts
            var stops = tokenizer.endOfTurnIDs
            if let eos = tokenizer.eosID { stops.insert(eos) }
            generation = GenerationSettings(maxNewTokens: 12, sampling: .greedy, stopTokenIDs: stops)
        }

        func runAll(batchSize: Int, stop: [String] = [], only: [Int]? = nil) async -> (
            [GenerationOutcome], EngineStatistics
        ) {
            let engine = BatchEngine(model: model, tokenizer: tokenizer, batchSize: batchSize)
            engine.start()
            let chosen = only.map { $0.map { prompts[$0] } } ?? prompts
            let requests = chosen.map {
                GenerationRequest(prompt: $0, kv: kv, generation: generation, stopStrings: stop)
            }
            let outcomes = await withTaskGroup(of: (Int, GenerationOutcome).self) { group in
                for (k, r) in requests.enumerated() { group.addTask { (k, await engine.generate(r)) } }
                var out = [GenerationOutcome](repeating: GenerationOutcome(), count: requests.count)
                for await (k, o) in group { out[k] = o }
                return out
            }
            let stats = engine.statistics
            engine.shutdown()
            return (outcomes, stats)
        }

        @Test func batchOfFourEqualsBatchOfOne() async throws {
            let (one, statsOne) = await runAll(batchSize: 1)
            let (four, statsFour) = await runAll(batchSize: 4)
            #expect(one.allSatisfy { $0.error == nil && !$0.tokens.isEmpty })
            for (k, (a, b)) in zip(one, four).enumerated() {
                #expect(a.tokens == b.tokens, "prompt \(k) (\(prompts[k].count) tokens)")
                #expect(a.stopReason == b.stopReason)
                #expect(a.keptTokens == b.keptTokens)
                #expect(a.promptTokens == prompts[k].count)
            }
            // Eviction ran (the cache kept fewer entries than the longer prompts).
            #expect(zip(one, prompts).contains { $0.0.keptTokens < $0.1.count })
            // Batch size 4 really shared decode steps; batch size 1 never did.
            #expect(statsOne.decodeRows == statsOne.decodeSteps)
            #expect(Double(statsFour.decodeRows) / Double(statsFour.decodeSteps) > 1.5)
            #expect(statsFour.generatedTokens == four.reduce(0) { $0 + $1.tokens.count })
        }

        @Test func batchWiderThanEightEqualsBatchOfOne() async throws {
            // Ten prompts shorter than one stride (one prefill step each) and 24 tokens each, so
            // all ten decode together: more rows than the quantized path's per-sequence limit,
            // still the same tokens.
            let chat = try ChatTemplate(file: model.file, tokenizer: tokenizer)
            let builder = PromptBuilder(tokenizer: tokenizer, chat: chat, system: nil)
            let full = KVSettings(mode: .full, stride: 512)
            var long = generation
            long.maxNewTokens = 24
            long.ignoreStopTokens = true
            var requests: [GenerationRequest] = []
            for k in 0..<10 {
                let prompt = try builder.encode(
                    template: "Summarize:\n\n{document}", document: PipelineFixtures.prose(1, from: k), title: "t",
                    question: nil)
                requests.append(GenerationRequest(prompt: prompt, kv: full, generation: long))
            }
            func run(_ batchSize: Int) async -> ([[Int]], EngineStatistics) {
                let engine = BatchEngine(model: model, tokenizer: tokenizer, batchSize: batchSize)
                engine.start()
                defer { engine.shutdown() }
                let tokens = await withTaskGroup(of: (Int, [Int]).self) { group in
                    for (k, r) in requests.enumerated() { group.addTask { (k, await engine.generate(r).tokens) } }
                    var out = [[Int]](repeating: [], count: requests.count)
                    for await (k, t) in group { out[k] = t }
                    return out
                }
                return (tokens, engine.statistics)
            }
            let (one, _) = await run(1)
            let (ten, stats) = await run(10)
            #expect(one == ten)
            #expect(one.allSatisfy { $0.count == 24 })
            #expect(stats.peakDecodeRows == 10)
        }

        @Test func engineEqualsTheModelsOwnSingleSequenceRun() async throws {
            let (batched, _) = await runAll(batchSize: 3)
            for (k, prompt) in prompts.enumerated() {
                let sequence = try GenerationSequence(model: model, prompt: prompt, kv: kv, generation: generation)
                try model.run([sequence], batchSize: 1)
                #expect(sequence.generated == batched[k].tokens, "prompt \(k)")
                #expect(sequence.keptAfterPrompt == batched[k].keptTokens)
            }
        }

        @Test func stopStringEndsGeneration() async throws {
            let (plain, _) = await runAll(batchSize: 2, only: [0, 1])
            // A stop string taken from the middle of what prompt 1 generates.
            let tokens = plain[1].tokens
            try #require(tokens.count >= 6)
            let text = tokenizer.decode(Array(tokens.prefix(5)), skipSpecial: true)
            let stop = String(text.suffix(3))
            try #require(!stop.trimmingCharacters(in: .whitespaces).isEmpty)
            let (stopped, _) = await runAll(batchSize: 2, stop: [stop], only: [0, 1])
            #expect(stopped[1].stopReason == .stopString)
            #expect(stopped[1].tokens.count <= 5)
            #expect(Array(plain[1].tokens.prefix(stopped[1].tokens.count)) == stopped[1].tokens)
        }

        @Test func badRequestFailsAloneAndTheEngineGoesOn() async throws {
            let engine = BatchEngine(model: model, tokenizer: tokenizer, batchSize: 2)
            engine.start()
            defer { engine.shutdown() }
            async let bad = engine.generate(GenerationRequest(prompt: [], kv: kv, generation: generation))
            async let good = engine.generate(GenerationRequest(prompt: prompts[0], kv: kv, generation: generation))
            let (b, g) = await (bad, good)
            #expect(b.error?.kind == "generation")
            #expect(g.error == nil && !g.tokens.isEmpty)
        }
    }
}
