extension BenchmarkTarget {
    /// The targets of a run on a model of `scale`: issue 9's for the default model, issue 14's
    /// acceptance rows for every scale. `baselinePeakBytes` is llama.cpp's peak RSS for the
    /// same work as `memory`.
    public static func targets(
        scale: BenchmarkScale, measured: [BenchmarkCase: BenchmarkMeasurement], baseline: BenchmarkBaseline?,
        memory: BenchmarkMemoryProbe?, baselinePeakBytes: Int?
    ) -> [BenchmarkTarget] {
        func versusBaseline(_ c: BenchmarkCase) -> Double? {
            guard let ours = measured[c]?.tokensPerSecond, let theirs = baseline?.figures[c.baselineKey], theirs > 0
            else { return nil }
            return ours / theirs
        }
        let mebibyte = 1_048_576.0
        let tool = baseline?.tool ?? "llama.cpp"
        let prefill = BenchmarkCase.prefill(512, stride: 512)
        switch scale {
        case .small:
            let stride512 = measured[prefill]?.tokensPerSecond
            let stride8 = measured[.prefill(512, stride: 8)]?.tokensPerSecond
            return [
                BenchmarkTarget(
                    name: "prefill p512, stride 512, full cache vs \(tool)", value: versusBaseline(prefill),
                    required: 2.0, unit: "ratio"),
                BenchmarkTarget(
                    name: "prefill p7000, stride 512, budget 0.25 vs \(tool) (full)",
                    value: versusBaseline(.prefill(7000, stride: 512, .prompt(0.25))), required: 1.5, unit: "ratio"),
                BenchmarkTarget(
                    name: "decode tg128 vs \(tool)", value: versusBaseline(.decode(depth: 16)), required: 1.5,
                    unit: "ratio"),
                BenchmarkTarget(
                    name: "prefill stride 512 vs stride 8 (512 tokens)",
                    value: stride512.flatMap { a in stride8.map { a / $0 } }, required: 4.0, unit: "ratio"),
                BenchmarkTarget(
                    name: "peak RSS beyond model + KV plan", value: memory.map { Double($0.overheadBytes) / mebibyte },
                    required: 64, unit: "MiB", bound: .atMost),
                BenchmarkTarget(
                    name: "peak RSS vs \(tool)",
                    value: memory.flatMap { m in baselinePeakBytes.map { Double(m.peakBytes) / Double($0) } },
                    required: 1.2, unit: "ratio", bound: .atMost),
            ]
        case .medium, .large:
            let medium = scale == .medium
            let decode = BenchmarkCase.decode(depth: 512, tokens: 64)
            let memoryTarget =
                medium
                ? BenchmarkTarget(
                    name: "peak RSS beyond \(tool)'s + KV plan",
                    value: memory.flatMap { m in
                        baselinePeakBytes.map { Double(m.peakBytes - $0 - m.kvPlanBytes) / mebibyte }
                    }, required: 0, unit: "MiB", bound: .atMost)
                : BenchmarkTarget(
                    name: "peak RSS beyond file + KV plan",
                    value: memory.map { Double($0.peakBytes - $0.fileBytes - $0.kvPlanBytes) / mebibyte },
                    required: 512, unit: "MiB", bound: .atMost)
            return [
                BenchmarkTarget(
                    name: "prefill p512, stride 512, full cache vs \(tool)", value: versusBaseline(prefill),
                    required: medium ? 1.2 : 1.0, unit: "ratio"),
                BenchmarkTarget(
                    name: "decode tg64 after 512 tokens vs \(tool)", value: versusBaseline(decode),
                    required: medium ? 1.0 : 0.9, unit: "ratio"),
                memoryTarget,
            ]
        }
    }
}
