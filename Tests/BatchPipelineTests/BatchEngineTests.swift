import Foundation
import KVCaches
import LanguageModels
import TestSupport
import Testing
import Tokenizers

@testable import BatchPipeline

/// Continuous batching (on the tiny model): greedy outputs equal running each prompt alone.
@Suite struct BatchEngineTests {
    let loaded: LoadedModel
    var tokenizer: any Tokenizer { loaded.tokenizer }
    let prompts: [[Int]]
    let kv = KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 64, policy: .roco)
    let generation: GenerationSettings

    init() throws {
        loaded = try TinyModel.load(customChatTemplate: TinyModel.chatTemplate)
        let builder = PromptBuilder(
            tokenizer: loaded.tokenizer, chat: loaded.chatTemplate, system: "You summarise documents.")
        // Prompts of 1 to 6 strides, so sequences are at different points when they share a step.
        var prompts: [[Int]] = []
        for (k, paragraphs) in [1, 3, 2, 5, 1, 4].enumerated() {
            prompts.append(
                try builder.encode(
                    "Summarize:\n\n{document}",
                    ["document": String(PipelineFixtures.prose(paragraphs, from: 3 * k).prefix(90 * paragraphs))]))
        }
        self.prompts = prompts
        // The tiny model's EOS is a likely token: generate a fixed length.
        generation = GenerationSettings(
            maxNewTokens: 12, sampling: .greedy, stopTokenIDs: loaded.stopTokenIDs, ignoreStopTokens: true)
    }

    func runAll(batchSize: Int, stop: [String] = [], only: [Int]? = nil) async -> (
        [GenerationOutcome], SchedulerStatistics
    ) {
        let engine = BatchEngine(loaded: loaded, batchSize: batchSize)
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
        let builder = PromptBuilder(tokenizer: tokenizer, chat: loaded.chatTemplate, system: nil)
        let full = KVSettings(mode: .full, stride: 512)
        var long = generation
        long.maxNewTokens = 24
        long.ignoreStopTokens = true
        var requests: [GenerationRequest] = []
        for k in 0..<10 {
            let prompt = try builder.encode(
                "Summarize:\n\n{document}", ["document": String(PipelineFixtures.prose(1, from: k).prefix(300))])
            requests.append(GenerationRequest(prompt: prompt, kv: full, generation: long))
        }
        func run(_ batchSize: Int) async -> ([[Int]], SchedulerStatistics) {
            let engine = BatchEngine(loaded: loaded, batchSize: batchSize)
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

    @Test func engineEqualsTheSchedulerRunningOneSequence() async throws {
        let (batched, _) = await runAll(batchSize: 3)
        for (k, prompt) in prompts.enumerated() {
            let sequence = try GenerationSequence(
                model: loaded.model, prompt: prompt, kv: kv, generation: generation)
            Scheduler(model: loaded.model, batchSize: 1).run([sequence])
            #expect(sequence.generated == batched[k].tokens, "prompt \(k)")
            #expect(sequence.keptAfterPrompt == batched[k].keptTokens)
        }
    }

    @Test func stopStringEndsGeneration() async throws {
        let (plain, _) = await runAll(batchSize: 2, only: [0, 1])
        // A stop string taken from the middle of what prompt 1 generates: the first two
        // ASCII letters in a row (the tiny model also spells stray bytes).
        let text = Array(plain[1].text.unicodeScalars)
        let letters = text.indices.dropLast().first {
            text[$0].properties.isAlphabetic && text[$0].isASCII && text[$0 + 1].properties.isAlphabetic
                && text[$0 + 1].isASCII
        }
        let start = try #require(letters, "no two ASCII letters in \(plain[1].text.debugDescription)")
        let stop = String(String.UnicodeScalarView(text[start...(start + 1)]))
        let (stopped, _) = await runAll(batchSize: 2, stop: [stop], only: [0, 1])
        #expect(stopped[1].stopReason == .stopString)
        #expect(stopped[1].tokens.count < plain[1].tokens.count)
        #expect(Array(plain[1].tokens.prefix(stopped[1].tokens.count)) == stopped[1].tokens)
        // The text ends before the stop string.
        #expect(stopped[1].text == String(String.UnicodeScalarView(text[..<start])))
        #expect(stopped[0].tokens == plain[0].tokens)
    }

    @Test func badRequestFailsAloneAndTheEngineGoesOn() async throws {
        let engine = BatchEngine(loaded: loaded, batchSize: 2)
        engine.start()
        defer { engine.shutdown() }
        async let bad = engine.generate(GenerationRequest(prompt: [], kv: kv, generation: generation))
        async let good = engine.generate(GenerationRequest(prompt: prompts[0], kv: kv, generation: generation))
        let (b, g) = await (bad, good)
        #expect(b.error?.kind == "generation")
        #expect(g.error == nil && !g.tokens.isEmpty)
    }
}
