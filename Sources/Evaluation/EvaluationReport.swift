import Foundation

/// The summary tables, Markdown reports and charts of the three evaluations.
public enum EvaluationReport {
    /// `80% (12/15)`.
    static func accuracy(_ cell: GridSummary.Cell) -> String {
        "\(Int((cell.mean * 100).rounded()))% (\(Int(cell.sum.rounded()))/\(cell.count))"
    }

    static func fixed(_ digits: Int) -> (GridSummary.Cell) -> String {
        { String(format: "%.\(digits)f", $0.mean) }
    }

    static func header(_ title: String, commandLine: String?, facts: [(String, String)]) -> String {
        var out = "# \(title)\n\n"
        if let commandLine { out += "```\n\(commandLine)\n```\n\n" }
        for (name, value) in facts { out += "- \(name): \(value)\n" }
        return out + "\n"
    }

    // MARK: Passkey

    public static func passkeySummary(_ results: [PasskeyResult]) -> GridSummary {
        GridSummary(
            results.map {
                .init(
                    policy: $0.policy, budget: $0.fraction, stride: $0.stride, value: $0.correct ? 1 : 0,
                    kvType: $0.kvType)
            })
    }

    /// The accuracy table (policy × budget).
    public static func passkeyTable(_ results: [PasskeyResult]) -> String {
        passkeySummary(results).markdown(format: accuracy)
    }

    public static func passkey(_ results: [PasskeyResult], model: String, commandLine: String?, haystack: String?)
        -> (markdown: String, charts: [(suffix: String, chart: LineChart)])
    {
        let lengths = Set(results.map(\.length)).sorted()
        let depths = Set(results.map(\.depth)).sorted()
        let prompts = Set(results.map(\.id)).count
        let failures = results.filter { $0.error != nil }
        var md = header(
            "Passkey retrieval under a KV budget", commandLine: commandLine,
            facts: [
                ("model", model),
                (
                    "filler",
                    haystack.map { "needle in a haystack: \($0)" } ?? "EasyKV's passkey lines (EASYKV-SPEC §10)"
                ),
                ("prompt lengths (tokens requested)", lengths.map(String.init).joined(separator: ", ")),
                ("needle depths", depths.map { LineChart.label($0) }.joined(separator: ", ")),
                ("prompts", "\(prompts)"), ("cases", "\(results.count)"),
                ("score", "the answer contains the key's digits (greedy decoding)"),
            ])
        md += "## Accuracy\n\n" + passkeyTable(results) + "\n"
        if lengths.count > 1 {
            md += "## Accuracy by prompt length\n\n"
            for length in lengths {
                md += "### \(length) tokens\n\n" + passkeyTable(results.filter { $0.length == length }) + "\n"
            }
        }
        if depths.count > 1 {
            md += "## Accuracy by needle depth\n\n"
            for depth in depths {
                md +=
                    "### depth \(LineChart.label(depth))\n\n" + passkeyTable(results.filter { $0.depth == depth })
                    + "\n"
            }
        }
        if !failures.isEmpty {
            md +=
                "## Failed cases\n\n"
                + failures.map { "- \($0.id) \($0.kv.label): \($0.error ?? "")\n" }.joined()
        }
        let chart = passkeySummary(results).chart(
            title: "Passkey accuracy vs KV budget", yLabel: "accuracy", yRange: 0...1)
        return (md, [("accuracy", chart)])
    }

    // MARK: Fidelity

    public static func fidelityTables(_ results: [FidelityResult]) -> String {
        func summary(_ value: (FidelityResult) -> Double?) -> GridSummary {
            GridSummary(
                results.compactMap { r in
                    value(r).map {
                        .init(policy: r.policy, budget: r.fraction, stride: r.stride, value: $0, kvType: r.kvType)
                    }
                })
        }
        var md = "ROUGE-L F1 against the full-cache output:\n\n" + summary(\.rougeLVsFull).markdown(format: fixed(3))
        md +=
            "\nCommon greedy prefix with the full-cache output (tokens):\n\n"
            + summary { $0.commonPrefixTokens.map(Double.init) }.markdown(format: fixed(1))
        if results.contains(where: { $0.rougeL != nil }) {
            md += "\nROUGE-1 / ROUGE-2 / ROUGE-L F1 against the references:\n\n"
            let one = summary(\.rouge1)
            let two = summary(\.rouge2)
            let l = summary(\.rougeL)
            md += one.markdown(firstColumn: "ROUGE-1, policy", format: fixed(3))
            md += "\n" + two.markdown(firstColumn: "ROUGE-2, policy", format: fixed(3))
            md += "\n" + l.markdown(firstColumn: "ROUGE-L, policy", format: fixed(3))
        }
        return md
    }

    public static func fidelity(_ results: [FidelityResult], model: String, commandLine: String?, template: String)
        -> (markdown: String, charts: [(suffix: String, chart: LineChart)])
    {
        let documents = Set(results.map(\.id)).count
        var md = header(
            "Fidelity to the full-cache output", commandLine: commandLine,
            facts: [
                ("model", model), ("documents", "\(documents)"),
                ("prompt template", "`" + template.replacingOccurrences(of: "\n", with: "\\n") + "`"),
                ("decoding", "greedy; the prompt is compressed (encoding mode), generated tokens are kept"),
            ])
        md += "## Summary\n\n" + fidelityTables(results)
        let failures = results.filter { $0.error != nil }
        if !failures.isEmpty {
            md +=
                "\n## Failed cases\n\n"
                + failures.map { "- \($0.id) \($0.kv.label): \($0.error ?? "")\n" }.joined()
        }
        let rouge = GridSummary(
            results.compactMap { r in
                r.rougeLVsFull.map {
                    .init(policy: r.policy, budget: r.fraction, stride: r.stride, value: $0, kvType: r.kvType)
                }
            })
        let chart = rouge.chart(
            title: "Fidelity to the full cache vs KV budget", yLabel: "ROUGE-L F1 vs full-cache output", yRange: 0...1)
        return (md, [("rouge-l", chart)])
    }

    // MARK: Perplexity

    /// Row name of the full cache scored on the budgeted runs' tokens.
    public static let matchedFullName = "full, same scored tokens"

    public static func perplexitySummary(_ report: PerplexityReport, value: (PerplexityRow) -> Double = \.ppl)
        -> GridSummary
    {
        GridSummary(
            report.results.map {
                .init(
                    policy: $0.policy == "full" && $0.fraction < 1 ? matchedFullName : $0.policy, budget: $0.fraction,
                    stride: $0.stride, value: value($0), kvType: $0.kvType)
            })
    }

    public static func perplexityTable(_ report: PerplexityReport) -> String {
        perplexitySummary(report).markdown(format: fixed(3))
    }

    public static func perplexity(_ report: PerplexityReport, model: String, file: String, commandLine: String?)
        -> (markdown: String, charts: [(suffix: String, chart: LineChart)])
    {
        var md = header(
            "Perplexity under a KV budget", commandLine: commandLine,
            facts: [
                ("model", model), ("text", "\(file), first \(report.tokens) tokens (no BOS)"),
                (
                    "mode",
                    "EasyKV's ppl mode (EASYKV-SPEC §6): budgeted runs score positions from the prefix end r_idx on"
                ),
            ])
        md += "## Perplexity\n\n" + perplexityTable(report) + "\n"
        md +=
            "The full cache scores tokens 1…N−1; a budgeted run scores only the positions after the stride plan's "
            + "first forward (EasyKV's ppl mode). The row `\(matchedFullName)` is the full cache scored on exactly "
            + "those positions: compare each policy with it.\n\n"
        md += "## Tokens scored\n\n" + perplexitySummary(report) { Double($0.scoredTokens) }.markdown(format: fixed(0))
        md +=
            "\n## Kept tokens (entries per layer and head at the end)\n\n"
            + perplexitySummary(report) { Double($0.keptTokens) }.markdown(format: fixed(0))
        let chart = perplexitySummary(report).chart(
            title: "Perplexity vs KV budget", yLabel: "perplexity (same scored tokens)", includeFull: false,
            baselines: [matchedFullName])
        return (md, [("vs-budget", chart)])
    }
}
