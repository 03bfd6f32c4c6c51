import KVCaches
import Kernels

/// Runs one layer's attention for every sequence of a forward step across the workers.
///
/// Tasks are (sequence, KV head, block of 32 queries), placed longest first on the least-loaded
/// worker: a lone sequence has too few KV heads to keep the workers even (SmolLM2: 3 heads on 2
/// workers ran 2 : 1). The blocks of a head gather statistics apart and are added up afterwards in
/// block order, which gives the same bits as one pass (`CacheAttention.attend`), so placement
/// never changes a result (docs/DESIGN-NOTES.md, "Attention tasks").
enum AttentionScheduler {
    /// One unit of a layer's attention: a block of queries of one sequence against one KV head.
    struct Task {
        var sequence: Int
        var kvHead: Int
        var queries: Range<Int>
        /// Where its statistics go in the partial buffer, when its head has several blocks.
        var partialOffset: Int?
        /// Query-key pairs it computes.
        var cost: Int
    }

    /// Attention of each call (one per sequence, all for the same layer), with one scratch per
    /// worker from `workspace`.
    static func run(_ calls: [CacheAttention.Parameters], workspace ws: Workspace) {
        let workers = Parallel.threadCount
        let (tasks, partialFloats) = tasks(calls)
        ws.ensureScratch(workers: workers)
        ws.ensurePartialStatistics(partialFloats)
        let partials = ws.partialStatistics
        let plan = schedule(tasks, workers: workers)
        let box = UncheckedBox((calls, tasks, plan, ws.attentionScratch))
        Parallel.workers(plan.count) { worker, range in
            let (calls, tasks, plan, scratch) = box.value
            for w in range {
                for index in plan[w] {
                    let task = tasks[index]
                    let call = calls[task.sequence]
                    let n = call.cache.counts[call.layer]
                    CacheAttention.attend(
                        call, kvHead: task.kvHead, scratch: scratch[worker], queryRange: task.queries,
                        statistics: task.partialOffset.map {
                            CacheAttention.StatisticsRows(packed: partials + $0, count: n)
                        })
                }
            }
        }
        // Add up the blocks' statistics, per (sequence, KV head), in block order.
        var slicesOfHead: [[Int]: [CacheAttention.StatisticsRows]] = [:]
        for task in tasks {
            guard let offset = task.partialOffset else { continue }
            let call = calls[task.sequence]
            let n = call.cache.counts[call.layer]
            slicesOfHead[[task.sequence, task.kvHead], default: []].append(
                CacheAttention.StatisticsRows(packed: partials + offset, count: n))
        }
        for (key, slices) in slicesOfHead {
            let call = calls[key[0]]
            CacheAttention.reduce(slices, into: call.cache, layer: call.layer, kvHead: key[1])
        }
    }

    /// Probe rows of each sequence (`CacheAttention.attendProbe`), one task per (sequence, KV
    /// head), longest first on the least-loaded worker. Each task writes only its own head's
    /// probe statistics and output rows.
    static func runProbes(_ calls: [CacheAttention.ProbeParameters], workspace ws: Workspace) {
        let workers = Parallel.threadCount
        ws.ensureScratch(workers: workers)
        var tasks: [Task] = []
        for (s, call) in calls.enumerated() {
            let cost = call.count * (call.cache.counts[call.layer] + call.count / 2)
            for kvh in 0..<call.cache.kvHeadCount {
                tasks.append(Task(sequence: s, kvHead: kvh, queries: 0..<call.count, partialOffset: nil, cost: cost))
            }
        }
        let plan = schedule(tasks, workers: workers)
        let box = UncheckedBox((calls, tasks, plan, ws.attentionScratch))
        Parallel.workers(plan.count) { worker, range in
            let (calls, tasks, plan, scratch) = box.value
            for w in range {
                for index in plan[w] {
                    let task = tasks[index]
                    CacheAttention.attendProbe(calls[task.sequence], kvHead: task.kvHead, scratch: scratch[worker])
                }
            }
        }
    }

    /// The tasks of `calls`, and the floats their partial statistics need.
    static func tasks(_ calls: [CacheAttention.Parameters]) -> (tasks: [Task], partialFloats: Int) {
        var tasks: [Task] = []
        var partialFloats = 0
        for (s, call) in calls.enumerated() {
            let q = call.queryCount
            let n = call.cache.counts[call.layer]
            let blocks = CacheAttention.queryBlocks(q)
            for kvh in 0..<call.cache.kvHeadCount {
                for block in blocks {
                    var partial: Int?
                    if blocks.count > 1 && call.collectStatistics {
                        partial = partialFloats
                        partialFloats += 3 * n
                    }
                    // Keys visited: each query sees the cache before the chunk and the chunk up to itself.
                    let cost = block.count * (n - q + (block.lowerBound + block.upperBound + 1) / 2)
                    tasks.append(Task(sequence: s, kvHead: kvh, queries: block, partialOffset: partial, cost: cost))
                }
            }
        }
        return (tasks, partialFloats)
    }

    /// Task indices per worker: longest first, each to the least loaded worker.
    static func schedule(_ tasks: [Task], workers: Int) -> [[Int]] {
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
