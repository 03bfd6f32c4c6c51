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

    /// A byte count in binary units: `512 B`, `96.0 KiB`, `12.5 MiB`, `1.25 GiB`.
    static func bytes(_ value: Double) -> String {
        if value < 1024 { return String(format: "%.0f B", value) }
        if value < 1024 * 1024 { return String(format: "%.1f KiB", value / 1024) }
        if value < 1024 * 1024 * 1024 { return String(format: "%.1f MiB", value / 1_048_576) }
        return String(format: "%.2f GiB", value / 1_073_741_824)
    }

    /// Time and memory per policy and budget: the mean seconds and the mean peak KV bytes of a
    /// case, each budgeted cell with its ratio to the full cache (`0.51×`). Failed cases are
    /// left out. `policy` names the rows (the perplexity report renames one).
    public static func costTables<R: EvaluationResult>(
        _ results: [R], seconds label: String, policy: (R) -> String = \.policy
    ) -> String {
        let ran = results.filter { $0.error == nil }
        func summary(_ value: (R) -> Double) -> GridSummary {
            GridSummary(
                ran.map { .init(policy: policy($0), budget: $0.fraction, stride: $0.stride, value: value($0)) })
        }
        func format(_ full: GridSummary.Cell?, _ unit: @escaping (Double) -> String) -> (GridSummary.Cell) -> String {
            { cell in
                guard let full, full != cell, full.mean > 0 else { return unit(cell.mean) }
                return unit(cell.mean) + String(format: " (%.2f×)", cell.mean / full.mean)
            }
        }
        let time = summary(\.seconds)
        let memory = summary { Double($0.kvBytes) }
        return "\(label) per case, mean (× the full cache):\n\n"
            + time.markdown(format: format(time.full) { String(format: "%.3f s", $0) })
            + "\nPeak KV cache (keys and values) per case, mean (× the full cache):\n\n"
            + memory.markdown(format: format(memory.full, bytes))
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
        md += "## Time and KV memory\n\n" + costTables(results, seconds: "Model seconds (prefill + decode)") + "\n"
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
        md += "\n## Time and KV memory\n\n" + costTables(results, seconds: "Model seconds (prefill + decode)")
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
                .init(policy: rowName($0), budget: $0.fraction, stride: $0.stride, value: value($0), kvType: $0.kvType)
            })
    }

    /// The policy, or `matchedFullName` for the full cache scored on a budgeted run's tokens.
    static func rowName(_ row: PerplexityRow) -> String {
        row.policy == "full" && row.fraction < 1 ? matchedFullName : row.policy
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
        md +=
            "\n## Time and KV memory\n\n"
            + costTables(report.results, seconds: "Seconds", policy: { rowName($0) })
        let chart = perplexitySummary(report).chart(
            title: "Perplexity vs KV budget", yLabel: "perplexity (same scored tokens)", includeFull: false,
            baselines: [matchedFullName])
        return (md, [("vs-budget", chart)])
    }
}
