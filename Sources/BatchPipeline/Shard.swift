/// One of `count` disjoint parts of a run (`--shard index/count`), so a Slurm array job or a
/// Kubernetes Indexed Job can spread one pipeline over many machines. An input belongs to shard
/// `fnv1a64(id) % count`: the hash of its id is the same on every machine and every run (unlike
/// Swift's per-process randomised `hashValue`).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 0-based, `0..<count` (Slurm's `SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)`, Kubernetes'
    /// `JOB_COMPLETION_INDEX`).
    public let index: Int
    public let count: Int

    /// The whole run.
    public static let all = Shard(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public init(index: Int, count: Int) throws(PipelineError) {
        guard count >= 1, index >= 0, index < count else { throw PipelineError.invalidShard("\(index)/\(count)") }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Parses `i/N`.
    public init(parsing text: String) throws(PipelineError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw PipelineError.invalidShard(text)
        }
        do { try self.init(index: i, count: n) } catch { throw PipelineError.invalidShard(text) }
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the input with this id belongs to this shard.
    public func contains(id: String) -> Bool {
        count == 1 || Int(Self.fnv1a64(id) % UInt64(count)) == index
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes (offset basis 14695981039346656037, prime
    /// 1099511628211: the published FNV parameters).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
