import Foundation
import GGUF
import KVCaches
import Kernels

/// A decoder-only transformer of the Llama family and its relatives (Llama, Mistral, SmolLM2,
/// Qwen2, Phi-3, Gemma, Gemma 2) running on the CPU. What differs between the families is read
/// once at load into `configuration.architecture` and the optional parts of `weights`; the layer
/// loop only asks whether a layer has a bias or a post-norm.
///
/// The model owns its weights, not the caches: each sequence brings its own `KVCache`
/// (mlx-swift-lm's shape). One `forward` call runs a batch of sequences: their new tokens are
/// stacked into one activation matrix so every weight matrix is read once per step (DESIGN.md
/// §5); attention and caches stay per sequence. Read `run` for the layer loop; the attention of
/// a step is scheduled across workers by `AttentionScheduler`, and the activations live in a
/// `Workspace`.
public final class LlamaModel: LanguageModel, @unchecked Sendable {
    // @unchecked Sendable: weights are read-only after load; `forward` serialises use of the
    // workspace with a lock.

    public let configuration: ModelConfiguration
    public let file: GGUFFile
    public let weights: ModelWeights
    public let rope: Rope
    private let workspace = Workspace()
    /// Forward steps whose sequences each bring at most this many tokens use the quantized
    /// decode path (0: always fp32).
    public var quantizedRowLimit = 8
    /// Rows the activation buffers hold (the largest step so far): bounded by the stride times
    /// the batch, whatever the prompt length.
    public var activationRows: Int { workspace.tokens }

    /// Whether the output projection (logits) may use the quantized path too.
    public var quantizedOutput = true
    private let lock = NSLock()

    public convenience init(path: String, options: LoadOptions = LoadOptions()) throws(ModelError) {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw ModelError.file(error) }
        try self.init(file: file, options: options)
    }

    public init(file: GGUFFile, options: LoadOptions = LoadOptions()) throws(ModelError) {
        let c = try ModelConfiguration(file: file)
        configuration = c
        self.file = file
        Parallel.ensureConfigured()
        weights = try ModelWeights(
            file: file, configuration: c, exact: options.exact, denseLimit: options.denseWeightLimit)
        let style = c.architecture.ropeStyle
        switch c.ropeScaling {
        case .none:
            rope = Rope(dimensionCount: c.ropeDimensionCount, base: c.ropeBase, style: style)
        case .linear(let factor):
            rope = Rope(dimensionCount: c.ropeDimensionCount, base: c.ropeBase, positionScale: 1 / factor, style: style)
        case .dynamicNTK(let factor, let original):
            let base = Rope.ntkBase(
                base: c.ropeBase, factor: factor, length: options.ntkLength ?? original, maxPositions: original,
                dimensionCount: c.ropeDimensionCount)
            rope = Rope(dimensionCount: c.ropeDimensionCount, base: base, style: style)
        }
    }

    public func forward(_ steps: [SequenceStep]) throws(ModelError) -> [[Float]] {
        try validate(steps)
        lock.lock()
        defer { lock.unlock() }
        return run(steps)
    }

    private func run(_ steps: [SequenceStep]) -> [[Float]] {
        let c = configuration
        let h = c.hiddenSize
        let total = steps.reduce(0) { $0 + $1.tokens.count }
        let ws = workspace
        ws.reserve(tokens: total, configuration: c, ropeDims: rope.dimensionCount)
        let x = ws.hidden
        let xn = ws.normed
        embed(steps, into: x)

        // Decode steps (each sequence brings at most `quantizedRowLimit` tokens): the integer
        // decode kernel, row by row, so a sequence's result does not depend on how many others
        // share the step. Prefill chunks: the tiled int8 product (fp32 sgemm when loaded exact).
        let quantized = steps.allSatisfy { $0.tokens.count <= quantizedRowLimit } && weights.supportsQuantizedDecode
        for (l, layer) in weights.layers.enumerated() {
            RMSNorm.apply(x, weight: layer.attentionNorm, rows: total, width: h, epsilon: c.rmsEpsilon, into: xn)
            layer.qkv.apply(xn, rows: total, into: ws.qkv, accumulate: false, quantized: quantized, scratch: ws.scratch)
            if let bias = layer.qkvBias { addBias(bias, to: ws.qkv, rows: total) }
            AttentionScheduler.run(storeKeysAndValues(steps, layer: l), workspace: ws)
            addToResidual(
                layer.attentionOutput, of: ws.attention, postNorm: layer.postAttentionNorm, rows: total,
                quantized: quantized)
            RMSNorm.apply(x, weight: layer.feedForwardNorm, rows: total, width: h, epsilon: c.rmsEpsilon, into: xn)
            layer.gateUp.apply(
                xn, rows: total, into: ws.gateUp, accumulate: false, quantized: quantized, scratch: ws.scratch)
            c.architecture.activation.apply(
                fused: ws.gateUp, rows: total, width: c.feedForwardSize, into: ws.feedForward)
            addToResidual(
                layer.down, of: ws.feedForward, postNorm: layer.postFeedForwardNorm, rows: total, quantized: quantized)
        }
        return logits(steps, quantized: quantized)
    }

    /// `x += W·input`, or with a post-norm (Gemma 2) `x += RMSNorm(W·input)`, through `normed`,
    /// which the next norm overwrites anyway.
    private func addToResidual(
        _ projection: Projection, of input: UnsafeMutablePointer<Float>, postNorm: [Float]?, rows: Int, quantized: Bool
    ) {
        let ws = workspace
        guard let postNorm else {
            projection.apply(
                input, rows: rows, into: ws.hidden, accumulate: true, quantized: quantized, scratch: ws.scratch)
            return
        }
        let h = configuration.hiddenSize
        projection.apply(
            input, rows: rows, into: ws.normed, accumulate: false, quantized: quantized, scratch: ws.scratch)
        RMSNorm.apply(
            ws.normed, weight: postNorm, rows: rows, width: h, epsilon: configuration.rmsEpsilon, into: ws.normed)
        for i in 0..<(rows * h) { ws.hidden[i] += ws.normed[i] }
    }

    /// Qwen2's Q/K/V biases, added to every row of the fused product before RoPE.
    private func addBias(_ bias: [Float], to y: UnsafeMutablePointer<Float>, rows: Int) {
        let width = bias.count
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = y + r * width
                for j in 0..<width { row[j] += b[j] }
            }
        }
    }

    /// Token embeddings (one dequantized row per token) into `x`, and each token's rope table:
    /// for its true position, or in streaming mode for its slot (the cache length before the
    /// step plus its offset).
    private func embed(_ steps: [SequenceStep], into x: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        let embedding = weights.tokenEmbedding
        let embeddingData = file.data(for: embedding).baseAddress!
        let dims = rope.dimensionCount
        let scale = configuration.embeddingScale
        var row = 0
        for step in steps {
            let base = step.cache.counts[0]
            for (i, token) in step.tokens.enumerated() {
                try! WeightFormats.dequantize(  // type checked at load, id checked in forward()
                    embedding.type, from: embeddingData + token * embedding.rowBytes, count: h, into: x + row * h)
                if let scale { for j in 0..<h { x[row * h + j] *= scale } }
                let p = step.positions[i]
                rope.fill(
                    position: step.cache.streamingPositions ? base + i : p, into: workspace.ropeTable + row * dims)
                row += 1
            }
        }
    }

    /// Rotates each sequence's queries and keys, appends its keys, values and positions to its
    /// cache at `layer`, and returns the attention call of each sequence.
    private func storeKeysAndValues(_ steps: [SequenceStep], layer: Int) -> [CacheAttention.Parameters] {
        let c = configuration
        let ws = workspace
        let qkvWidth = c.qDim + 2 * c.kvDim
        let dims = rope.dimensionCount
        var calls: [CacheAttention.Parameters] = []
        var t0 = 0
        for step in steps {
            let cache = step.cache
            let q = step.tokens.count
            let streaming = cache.streamingPositions
            let start = try! cache.reserve(layer: layer, count: q)  // capacity checked in forward()
            for i in 0..<q {
                let r = ws.qkv + (t0 + i) * qkvWidth
                let table = ws.ropeTable + (t0 + i) * dims
                rope.apply(r, heads: c.headCount, headDim: c.headDim, table: table)
                // Streaming keys are cached unrotated and rotated by slot at each step (spec §2.3).
                if !streaming { rope.apply(r + c.qDim, heads: c.kvHeadCount, headDim: c.headDim, table: table) }
                let slot = start + i
                for kvh in 0..<c.kvHeadCount {
                    // In the cache's storage format (fp32, or quantized there).
                    cache.storage.write(
                        layer: layer, head: kvh, slot: slot, key: r + c.qDim + kvh * c.headDim,
                        value: r + c.qDim + c.kvDim + kvh * c.headDim)
                    cache.positionPointer(layer: layer, head: kvh)[slot] = Int32(step.positions[i])
                }
                ws.queryPositions[t0 + i] = Int32(streaming ? slot : step.positions[i])
            }
            calls.append(
                CacheAttention.Parameters(
                    cache: cache, layer: layer, queries: ws.qkv + t0 * qkvWidth, queryStride: qkvWidth, queryCount: q,
                    queryPositions: ws.queryPositions + t0, headCount: c.headCount,
                    scale: c.attentionScale, slidingWindow: c.slidingWindow(layer: layer),
                    softCap: c.attentionSoftCap, collectStatistics: step.collectStatistics,
                    rope: streaming ? rope : nil,
                    output: ws.attention + t0 * c.qDim, outputStride: c.qDim))
            t0 += q
        }
        return calls
    }

    /// The logits each sequence asked for, in one output product for the whole batch.
    private func logits(_ steps: [SequenceStep], quantized: Bool) -> [[Float]] {
        let c = configuration
        let h = c.hiddenSize
        let ws = workspace
        var spans: [Range<Int>] = []
        var first = 0
        var wanted = 0
        for step in steps {
            let n = step.tokens.count
            let rows: Range<Int>
            switch step.logits {
            case .none: rows = first..<first
            case .last: rows = (first + n - 1)..<(first + n)
            case .all: rows = first..<(first + n)
            }
            first += n
            // Compact the wanted rows to the front of `normed`, normalised.
            RMSNorm.apply(
                ws.hidden + rows.lowerBound * h, weight: weights.outputNorm, rows: rows.count, width: h,
                epsilon: c.rmsEpsilon, into: ws.normed + wanted * h)
            spans.append(wanted..<(wanted + rows.count))
            wanted += rows.count
        }
        guard wanted > 0 else { return steps.map { _ in [] } }
        var all = [Float](repeating: 0, count: wanted * c.vocabSize)
        let quantizedLogits = quantizedOutput && quantized && weights.output.supportsQuantized
        all.withUnsafeMutableBufferPointer { out in
            weights.output.apply(
                ws.normed, rows: wanted, into: out.baseAddress!, accumulate: false, quantized: quantizedLogits,
                scratch: ws.scratch)
            if weights.output.usesIntegerProduct(quantized: quantizedLogits) {
                weights.output.refineMaxima(ws.normed, rows: wanted, out.baseAddress!, rowNorms: weights.outputRowNorms)
            }
            // Gemma 2 (transformers `final_logit_softcapping`); monotonic, so after the refinement.
            if let cap = c.finalLogitSoftCap {
                for i in out.indices { out[i] = cap * tanhf(out[i] / cap) }
            }
        }
        return spans.map { Array(all[($0.lowerBound * c.vocabSize)..<($0.upperBound * c.vocabSize)]) }
    }
}
