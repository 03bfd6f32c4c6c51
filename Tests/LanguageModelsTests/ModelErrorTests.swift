import Foundation
import GGUF
import Testing

@testable import LanguageModels

/// A tiny valid Llama GGUF (all-zero weights) with `edit` applied to the writer.
func tinyLlama(_ edit: (inout GGUFWriter) -> Void = { _ in }) -> String {
    var w = GGUFWriter()
    w.add("general.architecture", .string("llama"))
    w.add("llama.block_count", .uint32(1))
    w.add("llama.context_length", .uint32(64))
    w.add("llama.embedding_length", .uint32(32))
    w.add("llama.feed_forward_length", .uint32(64))
    w.add("llama.attention.head_count", .uint32(2))
    w.add("llama.attention.head_count_kv", .uint32(1))
    func zeros(_ n: Int) -> [Float] { Array(repeating: 0, count: n) }
    w.addTensor("token_embd.weight", dimensions: [32, 16], floats: zeros(32 * 16))
    w.addTensor("blk.0.attn_norm.weight", dimensions: [32], floats: zeros(32))
    w.addTensor("blk.0.attn_q.weight", dimensions: [32, 32], floats: zeros(32 * 32))
    w.addTensor("blk.0.attn_k.weight", dimensions: [32, 16], floats: zeros(32 * 16))
    w.addTensor("blk.0.attn_v.weight", dimensions: [32, 16], floats: zeros(32 * 16))
    w.addTensor("blk.0.attn_output.weight", dimensions: [32, 32], floats: zeros(32 * 32))
    w.addTensor("blk.0.ffn_norm.weight", dimensions: [32], floats: zeros(32))
    w.addTensor("blk.0.ffn_gate.weight", dimensions: [32, 64], floats: zeros(32 * 64))
    w.addTensor("blk.0.ffn_up.weight", dimensions: [32, 64], floats: zeros(32 * 64))
    w.addTensor("blk.0.ffn_down.weight", dimensions: [64, 32], floats: zeros(64 * 32))
    w.addTensor("output_norm.weight", dimensions: [32], floats: zeros(32))
    edit(&w)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lm-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("tiny.gguf").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(w.bytes()))
    return path
}

@Suite struct ModelErrorTests {
    @Test func tinyModelLoadsAndTiesTheOutput() throws {
        let model = try LlamaModel(path: tinyLlama())
        #expect(model.configuration.tiedEmbeddings)
        #expect(model.configuration.groupSize == 2)
        #expect(model.configuration.vocabSize == 16)
        let logits = try model.forward([
            SequenceStep(cache: model.makeCache(capacity: 4), tokens: [3, 4], positions: [0, 1])
        ])
        #expect(logits[0] == Array(repeating: 0, count: 16))
    }

    @Test func otherArchitecturesAreRefusedByName() throws {
        let path = tinyLlama { w in w.metadata[0] = ("general.architecture", .string("gpt2")) }
        #expect {
            try LlamaModel(path: path)
        } throws: { error in
            "\(error)".contains("architecture 'gpt2' is not supported") && "\(error)".hasPrefix(path)
        }
    }

    @Test func missingTensorIsNamed() throws {
        let path = tinyLlama { w in w.tensors.removeAll { $0.name == "blk.0.ffn_up.weight" } }
        #expect {
            try LlamaModel(path: path)
        } throws: { error in
            "\(error)".contains("blk.0.ffn_up.weight")
        }
    }

    @Test func wrongShapeIsNamed() throws {
        let path = tinyLlama { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.attn_k.weight" }!
            w.tensors[i].dimensions = [32, 8]
            w.tensors[i].data = Array(w.tensors[i].data.prefix(32 * 8 * 4))
        }
        #expect {
            try LlamaModel(path: path)
        } throws: { error in
            "\(error)".contains("blk.0.attn_k.weight") && "\(error)".contains("expected")
        }
    }

    @Test func headCountsMustDivide() throws {
        let path = tinyLlama { w in w.add("llama.attention.head_count_kv", .uint32(3)) }
        // Duplicate key is a file error; replace instead.
        let replaced = tinyLlama { w in
            let i = w.metadata.firstIndex { $0.0 == "llama.attention.head_count_kv" }!
            w.metadata[i].1 = .uint32(3)
        }
        #expect(throws: (any Error).self) { try LlamaModel(path: path) }
        #expect {
            try LlamaModel(path: replaced)
        } throws: { error in
            "\(error)".contains("'llama.attention.head_count_kv' is 3")
        }
    }

    @Test func badTokensAndOverflowAreErrorsNotCrashes() throws {
        let model = try LlamaModel(path: tinyLlama())
        let cache = model.makeCache(capacity: 2)
        #expect(throws: ModelError.self) {
            try model.forward([SequenceStep(cache: cache, tokens: [99], positions: [0])])
        }
        #expect(throws: ModelError.self) {
            try model.forward([SequenceStep(cache: cache, tokens: [1, 2, 3], positions: [0, 1, 2])])
        }
        #expect(throws: ModelError.self) {
            try model.forward([SequenceStep(cache: cache, tokens: [1], positions: [0, 1])])
        }
        #expect(cache.counts[0] == 0)
    }
}
