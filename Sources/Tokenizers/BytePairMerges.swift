import Collections

/// The merge table of a byte-level BPE vocabulary and the merge loop over one piece.
///
/// Merges are looked up by the pair of token ids they join; the lowest rank merges first and,
/// among equal ranks, the leftmost pair (llama.cpp `llm_tokenizer_bpe_session`, HF `tokenizers`
/// BPE), driven by a heap of candidate pairs that are checked for staleness when popped.
struct BytePairMerges: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    /// Keyed by `left << 32 | right`.
    private let table: [UInt64: Merge]

    var count: Int { table.count }

    init(table: [UInt64: Merge]) { self.table = table }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 { UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? { table[Self.key(left, right)] }

    /// A candidate merge of the symbols at `left` and `right`.
    struct Candidate: Comparable {
        let rank: Int32
        let left: Int32
        let right: Int32
        let leftID: Int32
        let rightID: Int32
        let result: Int32

        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }

        static func == (a: Candidate, b: Candidate) -> Bool { a.rank == b.rank && a.left == b.left }
    }

    /// Reusable buffers for `apply`.
    struct Workspace {
        /// Shape: [symbols] current token id of each symbol; `dead` once merged into its left.
        var ids: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        var heap = Heap<Candidate>()
    }

    static let dead: Int32 = -2

    /// Merges `workspace.ids` (one id per byte, -1 for bytes missing from the vocabulary) and
    /// appends the resulting ids to `output`.
    func apply(_ w: inout Workspace, into output: inout [Int]) {
        let n = w.ids.count
        if n == 1 {
            if w.ids[0] >= 0 { output.append(Int(w.ids[0])) }
            return
        }
        w.next.removeAll(keepingCapacity: true)
        w.prev.removeAll(keepingCapacity: true)
        for i in 0..<n {
            w.prev.append(Int32(i - 1))
            w.next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
        w.heap = Heap()
        for i in 0..<(n - 1) { push(&w, Int32(i), Int32(i + 1)) }
        while let c = w.heap.popMin() {
            let l = Int(c.left)
            let r = Int(c.right)
            // Stale: one side was merged since the candidate was made.
            guard w.ids[l] == c.leftID, w.ids[r] == c.rightID else { continue }
            w.ids[l] = c.result
            w.ids[r] = Self.dead
            let after = w.next[r]
            w.next[l] = after
            if after >= 0 { w.prev[Int(after)] = c.left }
            if w.prev[l] >= 0 { push(&w, w.prev[l], c.left) }
            if after >= 0 { push(&w, c.left, after) }
        }
        var i: Int32 = 0
        while i >= 0 {
            let id = w.ids[Int(i)]
            if id >= 0 { output.append(Int(id)) }  // bytes missing from the vocabulary are dropped, as in llama.cpp
            i = w.next[Int(i)]
        }
    }

    @inline(__always)
    private func push(_ w: inout Workspace, _ left: Int32, _ right: Int32) {
        let a = w.ids[Int(left)]
        let b = w.ids[Int(right)]
        guard a >= 0, b >= 0, let m = merge(a, b) else { return }
        w.heap.insert(Candidate(rank: m.rank, left: left, right: right, leftID: a, rightID: b, result: m.result))
    }
}
