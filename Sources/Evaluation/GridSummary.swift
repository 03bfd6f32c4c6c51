import Foundation

/// Results of an evaluation averaged per (policy, stride) and budget, with the full cache as
/// the reference: the summary tables and charts of `easykv eval`.
public struct GridSummary: Sendable {
    /// One measured value of one case.
    public struct Entry: Sendable {
        public var policy: String
        public var budget: Double
        public var stride: Int
        public var value: Double
        public init(policy: String, budget: Double, stride: Int, value: Double) {
            self.policy = policy
            self.budget = budget
            self.stride = stride
            self.value = value
        }
    }

    /// Sum and count of a cell's values.
    public struct Cell: Sendable, Equatable {
        public var sum: Double
        public var count: Int
        public var mean: Double { count > 0 ? sum / Double(count) : .nan }
    }

    public struct Row: Sendable {
        public var policy: String
        public var stride: Int
        /// Keyed by budget.
        public var cells: [Double: Cell]
    }

    /// The full cache's cell (nil when no full-cache case ran).
    public private(set) var full: Cell?
    /// Policies with their strides, in the order first seen.
    public private(set) var rows: [Row] = []
    /// Budgets below 1, largest first.
    public private(set) var budgets: [Double] = []

    public init(_ entries: [Entry]) {
        var budgetSet = Set<Double>()
        for e in entries {
            if e.budget >= 1 {
                full = Cell(sum: (full?.sum ?? 0) + e.value, count: (full?.count ?? 0) + 1)
                continue
            }
            budgetSet.insert(e.budget)
            let index: Int
            if let i = rows.firstIndex(where: { $0.policy == e.policy && $0.stride == e.stride }) {
                index = i
            } else {
                rows.append(Row(policy: e.policy, stride: e.stride, cells: [:]))
                index = rows.count - 1
            }
            let old = rows[index].cells[e.budget] ?? Cell(sum: 0, count: 0)
            rows[index].cells[e.budget] = Cell(sum: old.sum + e.value, count: old.count + 1)
        }
        budgets = budgetSet.sorted(by: >)
    }

    var multipleStrides: Bool { Set(rows.map(\.stride)).count > 1 }

    func rowName(_ row: Row) -> String { multipleStrides ? "\(row.policy) (stride \(row.stride))" : row.policy }

    /// A Markdown table: one row per policy, a column for the full cache and one per budget.
    /// The full-cache column repeats the one full-cache value (no eviction: the same for every
    /// policy).
    public func markdown(firstColumn: String = "policy", format: (Cell) -> String) -> String {
        let header = [firstColumn, "full cache"] + budgets.map { "budget \(Self.number($0))" }
        var lines = [
            "| " + header.joined(separator: " | ") + " |",
            "|" + header.map { _ in "---" }.joined(separator: "|") + "|",
        ]
        let fullText = full.map(format) ?? "–"
        if rows.isEmpty { lines.append("| full | \(fullText) |") }
        for row in rows {
            let cells = budgets.map { b in row.cells[b].map(format) ?? "–" }
            lines.append("| " + ([rowName(row), fullText] + cells).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A line chart of the cell means against the budget, one series per policy (its legend gives
    /// the cases behind each point); every series ends at budget 1 with the full-cache value,
    /// which is also drawn as a dashed line.
    /// - Parameters:
    ///   - includeFull: end each series at budget 1 with the full-cache value and draw it dashed;
    ///     false when the full-cache value is not comparable point for point (perplexity).
    ///   - baselines: rows drawn dashed, as baselines rather than policies.
    public func chart(
        title: String, yLabel: String, yRange: ClosedRange<Double>? = nil, includeFull: Bool = true,
        baselines: Set<String> = []
    ) -> LineChart {
        let fullMean = includeFull ? full?.mean : nil
        let series = rows.map { row in
            let cells = budgets.compactMap { b in row.cells[b].map { (budget: b, cell: $0) } }
            var points = cells.map { LineChart.Point(x: $0.budget, y: $0.cell.mean) }
            var counts = cells.map(\.cell.count)
            if let fullMean, let full {
                points.append(LineChart.Point(x: 1, y: fullMean))
                counts.append(full.count)
            }
            return LineChart.Series(
                name: rowName(row), points: points, dashed: baselines.contains(row.policy),
                cases: counts.min().map { $0...counts.max()! })
        }
        return LineChart(
            title: title, xLabel: "KV budget (fraction of the prompt kept)", yLabel: yLabel, series: series,
            references: fullMean.map { [LineChart.Reference(name: "full cache", y: $0, cases: full?.count)] } ?? [],
            yRange: yRange, xTicks: (budgets + (fullMean == nil ? [] : [1])).sorted())
    }

    /// `0.5`, `0.25`, `1`.
    static func number(_ v: Double) -> String { LineChart.label(v) }
}
