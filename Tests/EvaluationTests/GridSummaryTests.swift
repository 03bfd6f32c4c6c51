import KVCaches
import Testing

@testable import Evaluation

struct GridSummaryTests {
    static let entries: [GridSummary.Entry] = [
        .init(policy: "full", budget: 1, stride: 64, value: 1),
        .init(policy: "full", budget: 1, stride: 64, value: 1),
        .init(policy: "roco", budget: 0.5, stride: 64, value: 1),
        .init(policy: "roco", budget: 0.5, stride: 64, value: 0),
        .init(policy: "roco", budget: 0.25, stride: 64, value: 0),
        .init(policy: "roco", budget: 0.25, stride: 64, value: 0),
        .init(policy: "recency", budget: 0.5, stride: 64, value: 1),
        .init(policy: "recency", budget: 0.5, stride: 64, value: 1),
    ]

    @Test func markdownTableHasOneRowPerPolicyAndOneColumnPerBudget() {
        let table = GridSummary(Self.entries).markdown(format: EvaluationReport.accuracy)
        #expect(
            table == """
                | policy | full cache | budget 0.5 | budget 0.25 |
                |---|---|---|---|
                | roco | 100% (2/2) | 50% (1/2) | 0% (0/2) |
                | recency | 100% (2/2) | 100% (2/2) | – |

                """)
    }

    @Test func severalStridesAreNamedInTheRows() {
        let entries = Self.entries + [.init(policy: "roco", budget: 0.5, stride: 128, value: 1)]
        let table = GridSummary(entries).markdown(format: EvaluationReport.fixed(2))
        #expect(table.contains("| roco (stride 64) | 1.00 | 0.50 | 0.00 |"))
        #expect(table.contains("| roco (stride 128) | 1.00 | 1.00 | – |"))
    }

    /// Several KV types: each row is named with its type and compared with the full cache of
    /// its own type (not the mean of every full cache).
    @Test func kvTypesHaveTheirOwnRowsAndFullCache() {
        let entries =
            Self.entries + [
                .init(policy: "full", budget: 1, stride: 64, value: 0.5, kvType: "q8_0"),
                .init(policy: "roco", budget: 0.5, stride: 64, value: 0.25, kvType: "q8_0"),
            ]
        let summary = GridSummary(entries)
        #expect(summary.full == GridSummary.Cell(sum: 2, count: 2))
        let table = summary.markdown(format: EvaluationReport.fixed(2))
        #expect(table.contains("| roco [f32] | 1.00 | 0.50 | 0.00 |"))
        #expect(table.contains("| roco [q8_0] | 0.50 | 0.25 | – |"))
        let chart = summary.chart(title: "t", yLabel: "y")
        #expect(chart.series.map(\.name) == ["roco [f32]", "recency [f32]", "roco [q8_0]"])
        #expect(chart.series[2].points == [.init(x: 0.5, y: 0.25), .init(x: 1, y: 0.5)])
        #expect(chart.references.map(\.name) == ["full cache [f32]", "full cache [q8_0]"])
        // A single type keeps the plain names.
        #expect(!GridSummary(Self.entries).markdown(format: EvaluationReport.fixed(2)).contains("["))
    }

    @Test func chartSeriesEndAtTheFullCache() {
        let chart = GridSummary(Self.entries).chart(title: "t", yLabel: "accuracy", yRange: 0...1)
        #expect(chart.series.map(\.name) == ["roco", "recency"])
        #expect(chart.series[0].points == [.init(x: 0.25, y: 0), .init(x: 0.5, y: 0.5), .init(x: 1, y: 1)])
        #expect(chart.references.map(\.y) == [1])
        #expect(chart.xTicks == [0.25, 0.5, 1])
        // n: roco has 2 cases per budget and 2 full-cache cases; recency 2 at 0.5.
        #expect(chart.series.map(\.cases) == [2...2, 2...2])
        #expect(chart.references.map(\.cases) == [2])
        let bare = GridSummary(Self.entries).chart(title: "t", yLabel: "y", includeFull: false, baselines: ["roco"])
        #expect(bare.series[0].points.count == 2 && bare.references.isEmpty && bare.series[0].dashed)
    }

    @Test func passkeyReportHasTablesByLengthAndDepth() {
        func result(_ id: String, _ length: Int, _ depth: Double, _ policy: String, _ budget: Double, _ correct: Bool)
            -> PasskeyResult
        {
            PasskeyResult(
                id: id, length: length, promptTokens: length + 5, depth: depth, key: "12345",
                kv: policy == "full"
                    ? .full(stride: 64) : .encoding(policy: .roco, budget: .fraction(budget), stride: 64),
                keptTokens: 10, answer: correct ? "12345" : "1", correct: correct, generatedTokens: 4, seconds: 1,
                kvBytes: 100, error: nil)
        }
        let results = [
            result("a", 1000, 0.1, "full", 1, true), result("a", 1000, 0.1, "roco", 0.5, true),
            result("b", 2000, 0.9, "full", 1, true), result("b", 2000, 0.9, "roco", 0.5, false),
        ]
        let (markdown, charts) = EvaluationReport.passkey(
            results, model: "m.gguf", commandLine: "easykv eval passkey", haystack: nil)
        #expect(markdown.contains("| roco | 100% (2/2) | 50% (1/2) |"))
        #expect(
            markdown.contains(
                "### 2000 tokens\n\n| policy | full cache | budget 0.5 |\n|---|---|---|\n| roco | 100% (1/1) | 0% (0/1) |"
            ))
        #expect(markdown.contains("### depth 0.1"))
        #expect(charts.count == 1 && charts[0].suffix == "accuracy")
    }

    /// Reports give each policy's time and KV memory per budget (issue 16 item 25), as means per
    /// case with their ratio to the full cache; failed cases are left out; any policy name works.
    @Test func reportsHaveTimeAndMemoryTablesPerPolicy() {
        func result(_ policy: String, _ budget: Double, seconds: Double, kvBytes: Int, error: String? = nil)
            -> PasskeyResult
        {
            PasskeyResult(
                id: "a", length: 1000, promptTokens: 1005, depth: 0.5, key: "1",
                kv: policy == "full"
                    ? .full(stride: 64)
                    : .encoding(policy: PolicyName(rawValue: policy)!, budget: .fraction(budget), stride: 64),
                keptTokens: 10, answer: "1", correct: true, generatedTokens: 4, seconds: seconds, kvBytes: kvBytes,
                error: error)
        }
        let results = [
            result("full", 1, seconds: 2, kvBytes: 4 << 20), result("full", 1, seconds: 4, kvBytes: 4 << 20),
            result("tova", 0.5, seconds: 1.5, kvBytes: 2 << 20), result("tova", 0.5, seconds: 1.5, kvBytes: 2 << 20),
            result("tova", 0.25, seconds: 1.2, kvBytes: 1 << 20),
            result("tova", 0.25, seconds: 99, kvBytes: 99 << 20, error: "failed"),
            result("random", 0.5, seconds: 0.75, kvBytes: 96 << 10),
        ]
        let tables = EvaluationReport.costTables(results, seconds: "Model seconds")
        #expect(
            tables == """
                Model seconds per case, mean (× the full cache):

                | policy | full cache | budget 0.5 | budget 0.25 |
                |---|---|---|---|
                | tova | 3.000 s | 1.500 s (0.50×) | 1.200 s (0.40×) |
                | random | 3.000 s | 0.750 s (0.25×) | – |

                Peak KV cache (keys and values) per case, mean (× the full cache):

                | policy | full cache | budget 0.5 | budget 0.25 |
                |---|---|---|---|
                | tova | 4.0 MiB | 2.0 MiB (0.50×) | 1.0 MiB (0.25×) |
                | random | 4.0 MiB | 96.0 KiB (0.02×) | – |

                """)
        let (markdown, _) = EvaluationReport.passkey(
            results, model: "m.gguf", commandLine: nil, haystack: nil)
        let expected = EvaluationReport.costTables(results, seconds: "Model seconds (prefill + decode)")
        #expect(markdown.contains("## Time and KV memory\n\n" + expected))
    }
}
