import Testing

@testable import BatchPipeline

@Suite struct ShardTests {
    /// FNV-1a 64 test vectors (the FNV reference test suite: "", "a", "foobar").
    @Test func fnv1aVectors() {
        #expect(Shard.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func parsing() throws {
        #expect(try Shard(parsing: "0/3") == Shard(index: 0, count: 3))
        #expect(try Shard(parsing: "2/3").index == 2)
        for bad in ["3/3", "-1/3", "1/0", "a/b", "1", "1/2/3", ""] {
            #expect(throws: PipelineError.invalidShard(bad)) { try Shard(parsing: bad) }
        }
    }

    @Test func shardsAreDisjointAndCoverEveryID() throws {
        let ids = (0..<3000).map { "docs/chapter-\($0).html" } + ["", "ü", "https://example.org/a?b=c"]
        let shards = try (0..<3).map { try Shard(index: $0, count: 3) }
        var union: [String] = []
        for shard in shards {
            let mine = ids.filter { shard.contains(id: $0) }
            // Roughly a third each: a constant or broken hash would put everything in one.
            #expect(mine.count > 900 && mine.count < 1100, "shard \(shard): \(mine.count)")
            union += mine
        }
        #expect(union.count == ids.count)
        #expect(Set(union) == Set(ids))
        #expect(ids.allSatisfy { Shard.all.contains(id: $0) })
    }

    @Test func assignmentIsStable() throws {
        // Values from an independent FNV-1a implementation (Python): the same on every machine and
        // every run, unlike Swift's per-process seeded hashValue.
        #expect(Shard.fnv1a64("report.txt") == 0x6d30_f798_1aee_df2d)
        #expect(try Shard(index: 2, count: 3).contains(id: "report.txt"))
        #expect(try Shard(index: 0, count: 3).contains(id: "input/gpl-3.0.txt"))
        #expect(try !Shard(index: 1, count: 3).contains(id: "input/gpl-3.0.txt"))
    }
}
