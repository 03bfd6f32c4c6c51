import Foundation
import GGUF
import KVCaches
import Testing

@testable import LanguageModels

/// The tiny models of the issue 14 families (Qwen2, Phi-3, Gemma, Gemma 2) beyond their
/// reference logits (`TinyModelReferenceTests`): the malformed files of Fixtures/README.md, the
/// default int8 path, eviction under a budget and the attention statistics.
@Suite struct ModelArchitectureTests {
    static let families: [ModelArchitecture.Family] = [.qwen2, .phi3, .gemma, .gemma2]

    static func models() throws -> [String] {
        try families.flatMap { try ForwardFixtures.tinyModels(architecture: $0.rawValue) }
    }

    /// Path of `tiny/<model>/<model>.<variant>.gguf`.
    static func fixturePath(_ model: String, variant: String = "f32") throws -> String {
        let reference = try ForwardFixtures.json("tiny/\(model)/reference.json")
        let entry = try #require((reference["variants"] as? [String: Any])?[variant] as? [String: Any])
        return try ForwardFixtures.directory().appendingPathComponent("tiny/\(model)/\(entry["gguf"] as! String)").path
    }

    /// transformers' logits at every position for a variant, `[40 × 300]`.
    static func referenceLogits(_ model: String, variant: String = "f32") throws -> [Float] {
        let reference = try ForwardFixtures.json("tiny/\(model)/reference.json")
        let entry = try #require((reference["variants"] as? [String: Any])?[variant] as? [String: Any])
        let all = try #require(entry["logits_all"] as? [String: Any])
        return try ForwardFixtures.floats("tiny/\(model)/\(all["file"] as! String)")
    }

    static func promptIDs(_ model: String) throws -> [Int] {
        try #require(try ForwardFixtures.json("tiny/\(model)/reference.json")["prompt_ids"] as? [Int])
    }

    /// How far the reference's logits move at any position when one detail is done wrong
    /// (`sensitivity_max_abs_diff_all_positions`).
    static func sensitivity(_ model: String, _ entry: String) throws -> Float {
        let reference = try ForwardFixtures.json("tiny/\(model)/reference.json")
        let table = try #require(reference["sensitivity_max_abs_diff_all_positions"] as? [String: Double])
        return Float(try #require(table[entry], "no sensitivity entry \(entry)"))
    }

    /// A copy of the model's F32 file with `edit` applied, in a temporary file.
    static func edited(_ model: String, _ edit: (inout GGUFWriter) -> Void) throws -> String {
        var writer = GGUFWriter(copying: try GGUFFile(path: fixturePath(model)))
        edit(&writer)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("arch-\(UUID().uuidString).gguf")
        try Data(writer.bytes()).write(to: url)
        return url.path
    }

    /// Logits at every prompt position on the exact (fp32) path.
    static func exactLogits(path: String, ids: [Int]) throws -> [Float] {
        let model = try LlamaModel(path: path, options: LoadOptions(exact: true))
        model.quantizedRowLimit = 0
        return try model.forward([
            SequenceStep(
                cache: model.makeCache(capacity: ids.count), tokens: ids, positions: Array(ids.indices), logits: .all)
        ])[0]
    }

    /// Expects loading `path` to fail with a message naming every string in `parts`.
    static func expectError(_ path: String, naming parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try LlamaModel(path: path)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix(path) && parts.allSatisfy { message.contains($0) }
        }
    }

    // MARK: - Malformed files (Fixtures/README.md, "Malformed variants")

    @Test func qwen2MissingBiasIsNamed() throws {
        let path = try Self.edited("qwen2_gqa_bias") { w in w.tensors.removeAll { $0.name == "blk.1.attn_v.bias" } }
        Self.expectError(path, naming: ["blk.1.attn_v.bias"])
    }

    @Test func qwen2BiasOfTheWrongLengthIsNamed() throws {
        let path = try Self.edited("qwen2_gqa_bias") { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.attn_k.bias" }!
            w.tensors[i].dimensions = [64]
            w.tensors[i].data += w.tensors[i].data
        }
        Self.expectError(path, naming: ["blk.0.attn_k.bias", "expected [32]", "[64]"])
    }

    /// Without `output.weight` a Qwen2 model ties its output to the embedding, as Qwen2.5-0.5B.
    @Test func qwen2WithoutOutputTiesTheEmbedding() throws {
        let path = try Self.edited("qwen2_gqa_bias") { w in w.tensors.removeAll { $0.name == "output.weight" } }
        let model = try LlamaModel(path: path)
        #expect(model.configuration.tiedEmbeddings)
        let ids = try Self.promptIDs("qwen2_gqa_bias")
        // The logits now come from another matrix, so they leave the reference.
        let logits = try Self.exactLogits(path: path, ids: ids)
        #expect(maxAbsDifference(logits, try Self.referenceLogits("qwen2_gqa_bias")) > 0.1)
    }

    @Test func phi3FusedTensorsOfTheWrongShapeAreNamed() throws {
        let qkv = try Self.edited("phi3_gqa_partial_rope") { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.attn_qkv.weight" }!
            w.tensors[i].dimensions = [64, 112]
            w.tensors[i].data = Array(w.tensors[i].data.prefix(64 * 112 * 4))
        }
        Self.expectError(qkv, naming: ["blk.0.attn_qkv.weight", "expected [64, 128]", "[64, 112]"])
        let up = try Self.edited("phi3_gqa_partial_rope") { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.ffn_up.weight" }!
            w.tensors[i].dimensions = [64, 128]
            w.tensors[i].data = Array(w.tensors[i].data.prefix(64 * 128 * 4))
        }
        Self.expectError(up, naming: ["blk.0.ffn_up.weight", "expected [64, 256]"])
    }

    @Test(arguments: [18, 11])
    func phi3RopeDimensionCountMustFitTheHead(_ count: Int) throws {
        let path = try Self.edited("phi3_gqa_partial_rope") { w in
            w.set("phi3.rope.dimension_count", .uint32(UInt32(count)))
        }
        Self.expectError(path, naming: ["phi3.rope.dimension_count", "is \(count)"])
    }

    /// llama.cpp ignores Phi-3's window ("Phi SWA is currently disabled"); so do we.
    @Test func phi3SlidingWindowIsIgnored() throws {
        let path = try Self.edited("phi3_gqa_partial_rope") { w in
            w.set("phi3.attention.sliding_window", .uint32(2047))
        }
        let logits = try Self.exactLogits(path: path, ids: try Self.promptIDs("phi3_gqa_partial_rope"))
        #expect(maxAbsDifference(logits, try Self.referenceLogits("phi3_gqa_partial_rope")) <= 1e-4)
    }

    /// LongRoPE factors would rescale every frequency; the file is refused by name.
    @Test func phi3LongRopeFactorsAreRefused() throws {
        let path = try Self.edited("phi3_gqa_partial_rope") { w in
            w.addTensor("rope_factors_long.weight", dimensions: [6], floats: Array(repeating: 1, count: 6))
        }
        Self.expectError(path, naming: ["rope_factors_long.weight", "LongRoPE"])
    }

    /// Without `key_length` the head size is 64/4 = 16: the `value_length` of 32 no longer matches
    /// it, and without either key `attn_q` [64, 128] no longer fits.
    @Test func gemmaWithoutKeyLengthNamesTheFirstKeyOrTensorThatNoLongerFits() throws {
        let keyOnly = try Self.edited("gemma_mqa_hd32") { w in w.set("gemma.attention.key_length", nil) }
        Self.expectError(keyOnly, naming: ["'gemma.attention.value_length' is 32", "head size 16"])
        let both = try Self.edited("gemma_mqa_hd32") { w in
            w.set("gemma.attention.key_length", nil)
            w.set("gemma.attention.value_length", nil)
        }
        Self.expectError(both, naming: ["blk.0.attn_q.weight", "expected [64, 64]"])
    }

    /// Gemma's output is always the embedding (llama.cpp never reads `output.weight` there).
    @Test func gemmaIgnoresAnOutputTensor() throws {
        let path = try Self.edited("gemma_mqa_hd32") { w in
            w.addTensor("output.weight", dimensions: [64, 300], floats: Array(repeating: 0.5, count: 64 * 300))
        }
        let logits = try Self.exactLogits(path: path, ids: try Self.promptIDs("gemma_mqa_hd32"))
        #expect(maxAbsDifference(logits, try Self.referenceLogits("gemma_mqa_hd32")) <= 1e-4)
    }

    /// A rope base in a Gemma file is used; only its absence means 10000.
    @Test func gemmaReadsARopeBaseWhenPresent() throws {
        let path = try Self.edited("gemma_mqa_hd32") { w in w.set("gemma.rope.freq_base", .float32(500_000)) }
        #expect(try ModelConfiguration(file: GGUFFile(path: path)).ropeBase == 500_000)
        let logits = try Self.exactLogits(path: path, ids: try Self.promptIDs("gemma_mqa_hd32"))
        #expect(maxAbsDifference(logits, try Self.referenceLogits("gemma_mqa_hd32")) > 0.1)
    }

    /// Missing soft-caps take llama.cpp's 50 and 30; the logits then move exactly as far as
    /// transformers' did with those caps (`softcaps_llamacpp_defaults_50_30`).
    @Test func gemma2MissingSoftCapsTakeTheDefaults() throws {
        let model = "gemma2_swa12_softcap"
        let path = try Self.edited(model) { w in
            w.set("gemma2.attn_logit_softcapping", nil)
            w.set("gemma2.final_logit_softcapping", nil)
        }
        let c = try ModelConfiguration(file: GGUFFile(path: path))
        #expect(c.attentionSoftCap == 50 && c.finalLogitSoftCap == 30)
        let moved = maxAbsDifference(
            try Self.exactLogits(path: path, ids: try Self.promptIDs(model)), try Self.referenceLogits(model))
        #expect(abs(moved - (try Self.sensitivity(model, "softcaps_llamacpp_defaults_50_30"))) <= 2e-4)
    }

    /// A missing window is 4096 on the even layers, which for 40 tokens is no window at all
    /// (`sliding_window_llamacpp_default_4096`).
    @Test func gemma2MissingWindowTakesTheDefault() throws {
        let model = "gemma2_swa12_softcap"
        let path = try Self.edited(model) { w in w.set("gemma2.attention.sliding_window", nil) }
        let c = try ModelConfiguration(file: GGUFFile(path: path))
        #expect(c.slidingWindow == 4096 && c.slidingWindowLayers == [0, 2])
        let moved = maxAbsDifference(
            try Self.exactLogits(path: path, ids: try Self.promptIDs(model)), try Self.referenceLogits(model))
        #expect(abs(moved - (try Self.sensitivity(model, "sliding_window_llamacpp_default_4096"))) <= 2e-4)
    }

    /// llama.cpp's optional window period: 3 puts the window on layers 0 and 1 of 3.
    @Test func gemma2WindowPatternKeyIsRead() throws {
        let path = try Self.edited("gemma2_swa12_softcap") { w in
            w.set("gemma2.attention.sliding_window_pattern", .uint32(3))
        }
        #expect(try ModelConfiguration(file: GGUFFile(path: path)).slidingWindowLayers == [0, 1])
    }

    @Test func gemma2MissingPostNormIsNamed() throws {
        let path = try Self.edited("gemma2_swa12_softcap") { w in
            w.tensors.removeAll { $0.name == "blk.2.post_ffw_norm.weight" }
        }
        Self.expectError(path, naming: ["blk.2.post_ffw_norm.weight"])
    }

    @Test func unknownArchitectureIsNamed() throws {
        let path = try Self.edited("qwen2_gqa_bias") { w in w.set("general.architecture", .string("qwen3")) }
        Self.expectError(path, naming: ["architecture 'qwen3' is not supported", "gemma2"])
    }

    // MARK: - The default (int8) path

    /// On the quantized files the default load quantizes activations to int8 (prefill and
    /// decode), as llama.cpp does. Teacher-forced on transformers' greedy tokens, every step
    /// whose top-2 margin is at least `margin` picks transformers' token, and the prompt's logits
    /// stay within `tolerance` of the reference. (The F32 files have no integer product: their
    /// default load is the fp32 path `TinyModelReferenceTests` checks.)
    @Test(arguments: try models())
    func int8PathAgreesWhereTheChoiceIsClear(_ name: String) throws {
        let margin = 0.5
        let tolerance: Float = 0.3
        let reference = try ForwardFixtures.json("tiny/\(name)/reference.json")
        let variants = try #require(reference["variants"] as? [String: Any])
        let variant = try #require(variants.keys.first { $0 != "f32" })
        let entry = try #require(variants[variant] as? [String: Any])
        let model = try LlamaModel(path: try Self.fixturePath(name, variant: variant))
        #expect(model.weights.supportsQuantizedDecode && !model.weights.hasDenseCopies)
        let ids = try Self.promptIDs(name)
        let expected = try #require(entry["greedy_ids"] as? [Int])
        let margins = try #require(entry["greedy_top1_top2_margins"] as? [Double])
        let cache = model.makeCache(capacity: ids.count + expected.count)
        let prompt = try model.forward([
            SequenceStep(cache: cache, tokens: ids, positions: Array(ids.indices), logits: .all)
        ])[0]
        #expect(maxAbsDifference(prompt, try Self.referenceLogits(name, variant: variant)) <= tolerance)
        var logits = Array(prompt.suffix(model.configuration.vocabSize))
        for (step, token) in expected.enumerated() {
            if margins[step] >= margin {
                let ours = topIDs(logits[...], 1)[0]
                #expect(ours == token, "step \(step): margin \(margins[step]), ours \(ours)")
            }
            logits = try model.forward([SequenceStep(cache: cache, tokens: [token], positions: [ids.count + step])])[0]
        }
    }

    // MARK: - Eviction

    /// tova and roco evict under an encoding budget and a decoding budget on every family, and
    /// generate; a budget covering the prompt gives the full cache's tokens.
    @Test(arguments: try models(), [PolicyName.tova, .roco])
    func budgetedGenerationEvictsAndGenerates(_ name: String, policy: PolicyName) throws {
        let model = try LlamaModel(path: try Self.fixturePath(name, variant: "f32"))
        let ids = try Self.promptIDs(name)
        let full = try greedy(model, ids, count: 16)
        let covering = try greedy(
            model, ids, count: 16, kv: KVSettings(mode: .encoding, budget: .fraction(1), stride: 8, policy: policy))
        #expect(covering.generated == full.generated)
        #expect(covering.usage.evictions == 0)

        let encoding = try greedy(
            model, ids, count: 16, kv: KVSettings(mode: .encoding, budget: .fraction(0.5), stride: 8, policy: policy))
        let plan = try #require(
            try StridePlan.encoding(promptLength: 40, budget: .fraction(0.5), stride: 8, recentRatio: 0.1, sink: 4))
        #expect(encoding.generated.count == 16)
        #expect(encoding.usage.keptTokens == plan.idx)
        #expect(encoding.usage.evictions > 0)

        let decoding = try greedy(
            model, ids, count: 24, kv: KVSettings(mode: .decoding, budget: .tokens(12), policy: policy))
        #expect(decoding.generated.count == 24)
        #expect(decoding.usage.peakSlots == 40 + 13)
        #expect(decoding.usage.evictions > 0)
    }

    /// The statistics the policies read, after one 40-token prefill: every query's group-mean
    /// row sums to one (so a layer's column sums add up to 40 and its last row to 1), and on
    /// Gemma 2's window layers the last query gives exactly zero to the keys outside its window
    /// of 12 while the full layer sees every key.
    @Test(arguments: try models())
    func attentionStatisticsRespectTheMaskAndSumToOne(_ name: String) throws {
        let model = try LlamaModel(path: try Self.fixturePath(name, variant: "f32"), options: LoadOptions(exact: true))
        let c = model.configuration
        let ids = try Self.promptIDs(name)
        let n = ids.count
        let cache = model.makeCache(capacity: n)
        _ = try model.forward([
            SequenceStep(cache: cache, tokens: ids, positions: Array(ids.indices), collectStatistics: true)
        ])
        let statistics = cache.stepStatistics
        for layer in 0..<c.layerCount {
            let window = c.slidingWindow(layer: layer)
            for head in 0..<c.kvHeadCount {
                let base = cache.slotBase(layer: layer, head: head)
                let sum = (0..<n).reduce(0.0) { $0 + Double(statistics.columnSum[base + $1]) }
                let last = (0..<n).map { statistics.lastRow[base + $0] }
                #expect(abs(sum - Double(n)) < 1e-3, "layer \(layer) head \(head): column sums \(sum)")
                #expect(abs(last.reduce(0, +) - 1) < 1e-5)
                for slot in 0..<n {
                    let position = Int(cache.positionPointer(layer: layer, head: head)[slot])
                    let outside = window.map { n - 1 - position >= $0 } ?? false
                    #expect(outside ? last[slot] == 0 : last[slot] > 0, "layer \(layer) position \(position)")
                }
            }
        }
        if c.architecture.family == .gemma2 { #expect(c.slidingWindowLayers == [0, 2] && c.slidingWindow == 12) }
    }
}
