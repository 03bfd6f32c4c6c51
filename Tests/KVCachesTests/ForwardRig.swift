import KVCaches
import Testing

/// ā, the group-mean attention probability, that the query at position `query` gives the key at
/// position `key` in (layer, head).
typealias Attention = (_ layer: Int, _ head: Int, _ key: Int, _ query: Int) -> Float
/// The last query's ā for the key at position `key` in (layer, head), when a test sets it apart
/// from `Attention` (TOVA pictures).
typealias LastRow = (_ layer: Int, _ head: Int, _ key: Int) -> Float

/// Plays the forward pass's part (module LanguageModels) against one `KVCache` and its
/// `BudgetController`, without a model: appends slots for new tokens, writes the step statistics
/// the attention kernel would write, and calls the controller in the same order the forward
/// pass does (`collectsStatistics` before the forward, `didForwardPrompt`/`didForwardDecode`
/// after it).
final class ForwardRig {
    let layers: Int
    let heads: Int
    /// 2 in fp32 (what the pictures need); 32, one block, when a storage format is quantized.
    let headDim: Int
    let controller: BudgetController
    let cache: KVCache
    /// Position of the next token.
    private(set) var nextPosition = 0
    /// Index of the next prompt forward.
    private(set) var nextForward = 0
    /// Whether the last forward collected statistics (what the controller asked for).
    private(set) var lastCollected = false
    /// Positions per (layer, head) after the last forward appended its tokens, before the
    /// controller evicted: the slots the policy chose from.
    private(set) var lastBefore: [[Int]] = []

    init(
        _ settings: KVSettings, promptLength: Int, maxNewTokens: Int = 8, perplexity: Bool = false, layers: Int = 2,
        heads: Int = 2
    ) throws(KVCacheError) {
        self.layers = layers
        self.heads = heads
        controller = try BudgetController(
            settings: settings, promptLength: promptLength, maxNewTokens: maxNewTokens, perplexity: perplexity)
        headDim = settings.keyFormat.isQuantized || settings.valueFormat.isQuantized ? 32 : 2
        cache = KVCache(
            layerCount: layers, kvHeadCount: heads, headDim: headDim, capacity: controller.capacity,
            keyFormat: settings.keyFormat, valueFormat: settings.valueFormat)
        controller.prepare(cache)
        written = Array(repeating: [:], count: layers * heads)
    }

    var promptDone: Bool { nextForward == controller.forwards.count }

    /// Positions kept by every (layer, head), in `layer * heads + head` order.
    func kept() -> [[Int]] {
        var out: [[Int]] = []
        for l in 0..<layers { for h in 0..<heads { out.append(cache.keptPositions(layer: l, head: h)) } }
        return out
    }

    /// The stored key and value bytes written for each position, per (layer, head).
    private var written: [[Int: [UInt8]]] = []

    /// Appends the tokens at `positions` to every layer and head, as the forward pass writes
    /// them: key `[position, layer·10 + head, 0, …]`, value `[−position, layer·10 + head, 0, …]`.
    func append(_ positions: Range<Int>) throws(KVCacheError) {
        for l in 0..<layers {
            let start = try cache.reserve(layer: l, count: positions.count)
            for h in 0..<heads {
                let p = cache.positionPointer(layer: l, head: h)
                for (i, position) in positions.enumerated() {
                    let slot = start + i
                    p[slot] = Int32(position)
                    var key = [Float](repeating: 0, count: headDim)
                    var value = key
                    (key[0], key[1]) = (Float(position), Float(l * 10 + h))
                    (value[0], value[1]) = (-Float(position), Float(l * 10 + h))
                    cache.storage.write(layer: l, head: h, slot: slot, key: key, value: value)
                    written[l * heads + h][position] = storedRow(l, h, slot)
                }
            }
        }
    }

    private func storedRow(_ l: Int, _ h: Int, _ slot: Int) -> [UInt8] {
        let s = cache.storage
        return Array(
            UnsafeRawBufferPointer(start: s.keyRows(layer: l, head: h) + slot * s.keyRowBytes, count: s.keyRowBytes))
            + Array(
                UnsafeRawBufferPointer(
                    start: s.valueRows(layer: l, head: h) + slot * s.valueRowBytes, count: s.valueRowBytes))
    }

    /// Whether every kept slot still holds, in its stored form, the key and value written for
    /// its position: eviction moved the rows with the bookkeeping.
    func rowsFollowPositions() -> Bool {
        for l in 0..<layers {
            for h in 0..<heads {
                for (slot, position) in cache.keptPositions(layer: l, head: h).enumerated()
                where written[l * heads + h][position] != storedRow(l, h, slot) {
                    return false
                }
            }
        }
        return true
    }

    /// Writes the step statistics of a forward whose `queries` (positions) are the newest slots:
    /// column sums of ā and ā² over the queries that see each slot (causal), and the last row.
    func writeStatistics(queries: Range<Int>, attention: Attention, lastRow: LastRow?) {
        let q = queries.count
        let stats = cache.stepStatistics
        for l in 0..<layers {
            let n = cache.counts[l]
            let nOld = n - q
            for h in 0..<heads {
                let base = cache.slotBase(layer: l, head: h)
                let positions = cache.positionPointer(layer: l, head: h)
                for j in 0..<n {
                    let key = Int(positions[j])
                    var sum: Float = 0
                    var squares: Float = 0
                    var last: Float = 0
                    for i in max(0, j - nOld)..<q {
                        let a = attention(l, h, key, queries.lowerBound + i)
                        sum += a
                        squares += a * a
                        last = a
                    }
                    stats.columnSum[base + j] = sum
                    stats.columnSquareSum[base + j] = squares
                    stats.lastRow[base + j] = lastRow?(l, h, key) ?? last
                }
            }
        }
    }

    /// Runs the next prompt forward and returns what it evicted, per (layer, head).
    @discardableResult
    func promptForward(attention: Attention = { _, _, _, _ in 0 }, lastRow: LastRow? = nil) throws -> [[Int]] {
        let index = nextForward
        let range = controller.forwards[index]
        lastCollected = controller.collectsStatistics(forward: index, cacheCountBefore: cache.counts[0])
        try append(range)
        if lastCollected { writeStatistics(queries: range, attention: attention, lastRow: lastRow) }
        lastBefore = kept()
        controller.didForwardPrompt(index, cache: cache)
        nextForward += 1
        nextPosition = range.upperBound
        return evicted(before: lastBefore)
    }

    /// Runs every remaining prompt forward.
    func finishPrompt(attention: Attention = { _, _, _, _ in 0 }, lastRow: LastRow? = nil) throws {
        while !promptDone { try promptForward(attention: attention, lastRow: lastRow) }
    }

    /// Runs one decode step (one generated token) and returns what it evicted.
    @discardableResult
    func decodeStep(attention: Attention = { _, _, _, _ in 0 }, lastRow: LastRow? = nil) throws -> [[Int]] {
        precondition(promptDone)
        let position = nextPosition
        lastCollected = controller.decodeCollectsStatistics
        try append(position..<(position + 1))
        if lastCollected {
            writeStatistics(queries: position..<(position + 1), attention: attention, lastRow: lastRow)
        }
        lastBefore = kept()
        controller.didForwardDecode(cache: cache)
        nextPosition += 1
        return evicted(before: lastBefore)
    }

    /// The positions that left each (layer, head); checks that survivors kept their order.
    private func evicted(before: [[Int]]) -> [[Int]] {
        let after = kept()
        var out: [[Int]] = []
        for (b, a) in zip(before, after) {
            let gone = Set(b).subtracting(a)
            #expect(b.filter { !gone.contains($0) } == a, "survivors must keep their order")
            out.append(gone.sorted())
        }
        return out
    }

    /// Running counter C of every slot in use, per (layer, head).
    func counters() -> [[Float]] { running(cache.runningStatistics.counter) }
    func sums() -> [[Float]] { running(cache.runningStatistics.sum) }
    func squareSums() -> [[Float]] { running(cache.runningStatistics.squareSum) }

    private func running(_ p: UnsafeMutablePointer<Float>) -> [[Float]] {
        var out: [[Float]] = []
        for l in 0..<layers {
            for h in 0..<heads {
                let base = cache.slotBase(layer: l, head: h)
                out.append((0..<cache.counts[l]).map { p[base + $0] })
            }
        }
        return out
    }
}

/// Hand-built statistics drawn as pictures: one string per (layer, head), one character per
/// token (position `offset + i`), and a legend giving each character a mean attention `w` and
/// a spread `v`. The query at an even position gives `w + v`, at an odd one `w − v`, so over an
/// even number of queries the mean is `w` and the standard deviation `v` exactly. Positions
/// outside the picture get 0.
struct Picture {
    let rows: [String]
    let offset: Int
    let legend: [Character: (w: Float, v: Float)]

    init(_ rows: [String], offset: Int = 0, legend: [Character: (w: Float, v: Float)]) {
        self.rows = rows
        self.offset = offset
        self.legend = legend
        for row in rows { precondition(row.allSatisfy { legend[$0] != nil }, "picture character missing from legend") }
    }

    func character(_ layer: Int, _ head: Int, _ key: Int, heads: Int = 2) -> Character? {
        let row = Array(rows[layer * heads + head])
        let i = key - offset
        return i >= 0 && i < row.count ? row[i] : nil
    }

    func attention(_ layer: Int, _ head: Int, _ key: Int, _ query: Int) -> Float {
        guard let c = character(layer, head, key), let e = legend[c] else { return 0 }
        return e.w + (query % 2 == 0 ? e.v : -e.v)
    }

    /// The value of `key` in (layer, head), as a last-row picture (`w` only).
    func value(_ layer: Int, _ head: Int, _ key: Int) -> Float {
        guard let c = character(layer, head, key), let e = legend[c] else { return 0 }
        return e.w
    }

    /// Positions drawn with `mark` in each (layer, head).
    func positions(of mark: Character) -> [[Int]] {
        rows.map { row in row.enumerated().filter { $0.element == mark }.map { offset + $0.offset } }
    }
}

extension [[Int]] {
    /// No (layer, head) lost anything.
    var isNothing: Bool { allSatisfy(\.isEmpty) }
    /// Every (layer, head) lost the same positions.
    var isUniform: Bool { allSatisfy { $0 == first } }
}
