import KVCaches

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
    /// Shape: [tokens]: each query's position for the sliding window (in streaming mode, its slot).
    var queryPositions = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
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
        queryPositions = .allocate(capacity: n)
        tokens = n
    }

    private func free() {
        for p in [hidden, normed, qkv, attention, gateUp, feedForward, ropeTable, scratch] { p.deallocate() }
        queryPositions.deallocate()
    }

    deinit {
        free()
        partialStatistics.deallocate()
    }
}
