import Testing

@testable import BatchPipeline

@Suite struct RunSummaryTests {
    func summary(ok: Int, failed: Int, output: String = "out.jsonl") -> RunSummary {
        var s = RunSummary(output: output, shard: .all)
        s.inputs = ok + failed
        s.ok = ok
        s.failed = failed
        if failed > 0 { s.failures = ["cannot_read": failed] }
        s.seconds = 2
        s.decodeSeconds = 1
        s.generatedTokens = 10 * ok
        s.peakMemoryBytes = 3 << 20
        s.batchSize = 2
        return s
    }

    /// Issue 16 item 22: a run where everything failed reported a throughput.
    @Test func noThroughputWhenNothingSucceeded() {
        let failed = summary(ok: 0, failed: 3).text
        #expect(!failed.contains("throughput"))
        #expect(failed.contains("3 of 3 inputs done: 0 ok, 3 failed"))
        let mixed = summary(ok: 1, failed: 2).text
        #expect(mixed.contains("throughput: 90.0 documents/min"))
    }

    @Test func memoryInMiBAndStandardOutputByName() {
        let text = summary(ok: 1, failed: 0, output: "-").text
        #expect(text.contains("peak memory: 3 MiB"))
        #expect(text.hasSuffix("output: standard output"))
    }
}
