import Foundation
import GGUF
import KVCaches
import Kernels

/// What logits a forward step should return for one sequence.
public enum LogitsRequest: Sendable {
    case none
    /// The last token's logits (`vocab` floats): generation.
    case last
    /// Every token's logits (`tokens × vocab` floats): perplexity.
    case all
}

/// One sequence's part of a batched forward step: its new tokens, their absolute positions, and
/// the cache they are appended to.
public struct SequenceStep {
    public var cache: KVCache
    public var tokens: [Int]
    public var positions: [Int]
    public var logits: LogitsRequest
    /// Whether the attention kernel should leave eviction statistics in `cache.stepStatistics`.
    public var collectStatistics: Bool

    public init(
        cache: KVCache, tokens: [Int], positions: [Int], logits: LogitsRequest = .last, collectStatistics: Bool = false
    ) {
        self.cache = cache
        self.tokens = tokens
        self.positions = positions
        self.logits = logits
        self.collectStatistics = collectStatistics
    }
}

/// Options fixed at load.
public struct LoadOptions: Sendable {
    /// For DynamicNTK rope scaling: the sequence length the base is fixed for, once
    /// (EasyKV's `set_dynamicntk_rope_length`, EASYKV-SPEC §1.5). Nil: the model's context length
    /// (so the base is unchanged).
    public var ntkLength: Int?
    /// Prefill in fp32 (`sgemm`) instead of the int8 product, for results within 1e-4 of
    /// transformers (`--exact`). Default: off; the weights then stay in their mapped GGUF blocks.
    public var exact: Bool
    /// With `exact`: the most bytes of fp32 weight copies to keep for prefill; beyond it, prefill
    /// dequantizes a tile of weight rows at a time (issue 9). Default: half the physical memory.
    public var denseWeightLimit: Int

    public init(ntkLength: Int? = nil, exact: Bool = false, denseWeightLimit: Int? = nil) {
        self.ntkLength = ntkLength
        self.exact = exact
        self.denseWeightLimit = denseWeightLimit ?? Int(ProcessInfo.processInfo.physicalMemory / 2)
    }
}

/// A Llama-family transformer (Llama, Llama 2, Mistral, SmolLM2) running on the CPU.
///
/// The model owns its weights, not the caches: each sequence brings its own `KVCache`
/// (mlx-swift-lm's shape). One `forward` call runs a batch of sequences: their new tokens are
/// stacked into one activation matrix so every weight matrix is read once per step (DESIGN.md
/// §5); attention and caches stay per sequence.
public final class LlamaModel: @unchecked Sendable {
    // @unchecked Sendable: weights are read-only after load; `forward` serialises use of the
    // workspace with a lock.

    public let configuration: ModelConfiguration
    public let file: GGUFFile
    public let weights: LlamaWeights
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
        weights = try LlamaWeights(
            file: file, configuration: c, exact: options.exact, denseLimit: options.denseWeightLimit)
        switch c.ropeScaling {
        case .none:
            rope = Rope(dimensionCount: c.ropeDimensionCount, base: c.ropeBase)
        case .linear(let factor):
            rope = Rope(dimensionCount: c.ropeDimensionCount, base: c.ropeBase, positionScale: 1 / factor)
        case .dynamicNTK(let factor, let original):
            let base = Rope.ntkBase(
                base: c.ropeBase, factor: factor, length: options.ntkLength ?? original, maxPositions: original,
                dimensionCount: c.ropeDimensionCount)
            rope = Rope(dimensionCount: c.ropeDimensionCount, base: base)
        }
    }

    /// A cache for one sequence with room for `capacity` entries per (layer, KV head).
    public func makeCache(capacity: Int, streamingPositions: Bool = false) -> KVCache {
        KVCache(
            layerCount: configuration.layerCount, kvHeadCount: configuration.kvHeadCount,
            headDim: configuration.headDim, capacity: capacity, streamingPositions: streamingPositions)
    }

    /// Runs one forward step for a batch of sequences and returns, per sequence, the logits it
    /// asked for (empty, `vocab`, or `tokens × vocab` floats).
    public func forward(_ steps: [SequenceStep]) throws(ModelError) -> [[Float]] {
        let c = configuration
        for (i, step) in steps.enumerated() {
            guard !step.tokens.isEmpty, step.tokens.count == step.positions.count else {
                throw ModelError.invalidArgument(
                    "sequence \(i): \(step.tokens.count) tokens but \(step.positions.count) positions")
            }
            if let bad = step.tokens.first(where: { $0 < 0 || $0 >= c.vocabSize }) {
                throw ModelError.invalidArgument("token id \(bad) is outside the vocabulary (0..<\(c.vocabSize))")
            }
            let free = step.cache.capacity - step.cache.counts[0]
            guard step.tokens.count <= free else {
                throw ModelError.contextOverflow(
                    "KV cache full: \(step.tokens.count) new tokens, room for \(free) of \(step.cache.capacity)")
            }
        }
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

        // Embedding lookup: dequantize one row per token.
        let embedding = weights.tokenEmbedding
        let embeddingData = file.data(for: embedding).baseAddress!
        var row = 0
        for step in steps {
            for token in step.tokens {
                try! WeightFormats.dequantize(
                    embedding.type, from: embeddingData + token * embedding.rowBytes, count: h, into: x + row * h)
                row += 1
            }
        }

        // Rope tables: one per token for its true position, and in streaming mode one per
        // token for its slot index (the cache length before the step plus its offset).
        let dims = rope.dimensionCount
        row = 0
        for step in steps {
            let base = step.cache.counts[0]
            for (i, p) in step.positions.enumerated() {
                rope.fill(position: step.cache.streamingPositions ? base + i : p, into: ws.ropeTable + row * dims)
                row += 1
            }
        }

        // Decode steps (each sequence brings at most `quantizedRowLimit` tokens): the integer
        // decode kernel, row by row, so a sequence's result does not depend on how many others
        // share the step. Prefill chunks: the tiled int8 product (fp32 sgemm when loaded exact).
        let quantized = steps.allSatisfy { $0.tokens.count <= quantizedRowLimit } && weights.supportsQuantizedDecode
        for (l, layer) in weights.layers.enumerated() {
            RMSNorm.apply(x, weight: layer.attentionNorm, rows: total, width: h, epsilon: c.rmsEpsilon, into: xn)
            layer.qkv.apply(xn, rows: total, into: ws.qkv, accumulate: false, quantized: quantized, scratch: ws.scratch)
            attend(steps: steps, layer: l)
            layer.attentionOutput.apply(
                ws.attention, rows: total, into: x, accumulate: true, quantized: quantized, scratch: ws.scratch)
            RMSNorm.apply(x, weight: layer.feedForwardNorm, rows: total, width: h, epsilon: c.rmsEpsilon, into: xn)
            layer.gateUp.apply(
                xn, rows: total, into: ws.gateUp, accumulate: false, quantized: quantized, scratch: ws.scratch)
            SwiGLU.apply(fused: ws.gateUp, rows: total, width: c.feedForwardSize, into: ws.feedForward)
            layer.down.apply(
                ws.feedForward, rows: total, into: x, accumulate: true, quantized: quantized, scratch: ws.scratch)
        }

        // Logits for the rows each sequence asked for, in one product for the whole batch.
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
            // Compact the wanted rows to the front of `xn`, normalised.
            RMSNorm.apply(
                x + rows.lowerBound * h, weight: weights.outputNorm, rows: rows.count, width: h, epsilon: c.rmsEpsilon,
                into: xn + wanted * h)
            spans.append(wanted..<(wanted + rows.count))
            wanted += rows.count
        }
        guard wanted > 0 else { return steps.map { _ in [] } }
        var all = [Float](repeating: 0, count: wanted * c.vocabSize)
        let quantizedLogits = quantizedOutput && quantized && weights.output.supportsQuantized
        all.withUnsafeMutableBufferPointer { out in
            weights.output.apply(
                xn, rows: wanted, into: out.baseAddress!, accumulate: false, quantized: quantizedLogits,
                scratch: ws.scratch)
            if weights.output.usesIntegerProduct(quantized: quantizedLogits) {
                weights.output.refineMaxima(xn, rows: wanted, out.baseAddress!, rowNorms: weights.outputRowNorms)
            }
        }
        let results = spans.map { Array(all[($0.lowerBound * c.vocabSize)..<($0.upperBound * c.vocabSize)]) }
        return results
    }

    /// Rotates each sequence's queries and keys, appends its keys and values to its cache, then
    /// runs attention for every (sequence, KV head) pair across the workers.
    private func attend(steps: [SequenceStep], layer: Int) {
        let c = configuration
        let ws = workspace
        let qkvWidth = c.qDim + 2 * c.kvDim
        let dims = rope.dimensionCount
        var firstRows: [Int] = []
        var queryPositions: [[Int32]] = []
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
                if !streaming { rope.apply(r + c.qDim, heads: c.kvHeadCount, headDim: c.headDim, table: table) }
                let slot = start + i
                for kvh in 0..<c.kvHeadCount {
                    (cache.keyPointer(layer: layer, head: kvh) + slot * c.headDim).update(
                        from: r + c.qDim + kvh * c.headDim, count: c.headDim)
                    (cache.valuePointer(layer: layer, head: kvh) + slot * c.headDim).update(
                        from: r + c.qDim + c.kvDim + kvh * c.headDim, count: c.headDim)
                    cache.positionPointer(layer: layer, head: kvh)[slot] = Int32(step.positions[i])
                }
            }
            firstRows.append(t0)
            queryPositions.append((0..<q).map { Int32(streaming ? start + $0 : step.positions[$0]) })
            t0 += q
        }
        // Tasks are (sequence, KV head, block of queries): a lone sequence has too few KV heads
        // to keep the workers even (SmolLM2: 3 heads on 2 workers ran 2 : 1). The blocks of a
        // head gather statistics apart and are added up after the loop, which gives the same
        // bits as one pass (CacheAttention.attend), so placement never changes a result.
        let workers = Parallel.threadCount
        var tasks: [AttentionTask] = []
        var partialFloats = 0
        for (s, step) in steps.enumerated() {
            let q = step.tokens.count
            let n = step.cache.counts[layer]
            let blocks = CacheAttention.queryBlocks(q)
            for kvh in 0..<c.kvHeadCount {
                for block in blocks {
                    var partial: Int?
                    if blocks.count > 1 && step.collectStatistics {
                        partial = partialFloats
                        partialFloats += 3 * n
                    }
                    // Keys visited: each query sees the cache before the chunk and the chunk up to itself.
                    let cost = block.count * (n - q + (block.lowerBound + block.upperBound + 1) / 2)
                    tasks.append(
                        AttentionTask(step: s, kvHead: kvh, queries: block, partialOffset: partial, cost: cost))
                }
            }
        }
        ws.ensureScratch(workers: workers)
        ws.ensurePartialStatistics(partialFloats)
        let partials = ws.partialStatistics
        let plan = AttentionTask.schedule(tasks, workers: workers)
        let box = UncheckedBox((steps, firstRows, queryPositions, tasks, plan))
        Parallel.workers(plan.count) { worker, range in
            let (steps, firstRows, queryPositions, tasks, plan) = box.value
            for w in range {
                for index in plan[w] {
                    let task = tasks[index]
                    let s = task.step
                    let step = steps[s]
                    let n = step.cache.counts[layer]
                    queryPositions[s].withUnsafeBufferPointer { qp in
                        CacheAttention.attend(
                            cache: step.cache, layer: layer, kvHead: task.kvHead,
                            queries: ws.qkv + firstRows[s] * qkvWidth, queryStride: qkvWidth,
                            queryCount: step.tokens.count, queryPositions: qp.baseAddress!, headCount: c.headCount,
                            scale: 1 / Float(c.headDim).squareRoot(), slidingWindow: c.slidingWindow,
                            collectStatistics: step.collectStatistics,
                            rope: step.cache.streamingPositions ? rope : nil,
                            output: ws.attention + firstRows[s] * c.qDim, outputStride: c.qDim,
                            scratch: ws.attentionScratch[worker], queryRange: task.queries,
                            statistics: task.partialOffset.map {
                                CacheAttention.StatisticsRows(packed: partials + $0, count: n)
                            })
                    }
                }
            }
        }
        // Add up the blocks' statistics, per (sequence, KV head), in block order.
        var slicesOfHead: [Int: [CacheAttention.StatisticsRows]] = [:]
        for task in tasks {
            guard let offset = task.partialOffset else { continue }
            let n = steps[task.step].cache.counts[layer]
            slicesOfHead[task.step * c.kvHeadCount + task.kvHead, default: []].append(
                CacheAttention.StatisticsRows(packed: partials + offset, count: n))
        }
        for (key, slices) in slicesOfHead {
            CacheAttention.reduce(
                slices, into: steps[key / c.kvHeadCount].cache, layer: layer, kvHead: key % c.kvHeadCount)
        }
    }
}

/// One unit of a layer's attention: a block of queries of one sequence against one KV head.
private struct AttentionTask {
    var step: Int
    var kvHead: Int
    var queries: Range<Int>
    /// Where its statistics go in the workspace's partial buffer, when its head has several blocks.
    var partialOffset: Int?
    /// Query-key pairs it computes.
    var cost: Int

    /// Task indices per worker: longest first, each to the least loaded worker.
    static func schedule(_ tasks: [AttentionTask], workers: Int) -> [[Int]] {
        var plan = Array(repeating: [Int](), count: max(1, min(workers, tasks.count)))
        var load = Array(repeating: 0, count: plan.count)
        for index in tasks.indices.sorted(by: { tasks[$0].cost > tasks[$1].cost }) {
            let w = load.indices.min { load[$0] < load[$1] }!
            plan[w].append(index)
            load[w] += tasks[index].cost
        }
        return plan
    }
}

/// Activation buffers of one forward step, grown to the largest step seen.
final class Workspace: @unchecked Sendable {
    // @unchecked Sendable: used under LlamaModel's lock.
    private(set) var tokens = 0
    /// Shape: [tokens, hidden].
    var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, hidden].
    var normed = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, qDim + 2·kvDim].
    var qkv = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, qDim].
    var attention = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, 2·ff].
    var gateUp = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, ff].
    var feedForward = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, hidden]: quantized products before they are added to the residual.
    var scratch = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Shape: [tokens, ropeDims] (cos, sin pairs).
    var ropeTable = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// One per worker.
    private(set) var attentionScratch: [AttentionScratch] = []

    func ensureScratch(workers: Int) {
        while attentionScratch.count < workers { attentionScratch.append(AttentionScratch()) }
    }

    /// Statistics of sliced attention heads before they are added up (`CacheAttention.reduce`).
    private(set) var partialStatistics = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var partialCapacity = 1

    func ensurePartialStatistics(_ count: Int) {
        guard count > partialCapacity else { return }
        partialStatistics.deallocate()
        partialStatistics = .allocate(capacity: count)
        partialCapacity = count
    }

    func reserve(tokens n: Int, configuration c: ModelConfiguration, ropeDims: Int) {
        guard n > tokens else { return }
        free()
        hidden = .allocate(capacity: n * c.hiddenSize)
        normed = .allocate(capacity: n * c.hiddenSize)
        qkv = .allocate(capacity: n * (c.qDim + 2 * c.kvDim))
        attention = .allocate(capacity: n * c.qDim)
        gateUp = .allocate(capacity: n * 2 * c.feedForwardSize)
        feedForward = .allocate(capacity: n * c.feedForwardSize)
        ropeTable = .allocate(capacity: n * ropeDims)
        scratch = .allocate(capacity: n * c.hiddenSize)
        tokens = n
    }

    private func free() {
        for p in [hidden, normed, qkv, attention, gateUp, feedForward, ropeTable, scratch] { p.deallocate() }
    }

    deinit {
        free()
        partialStatistics.deallocate()
    }
}
