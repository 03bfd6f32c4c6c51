import Foundation

/// A line chart drawn as a standalone SVG file: axes with ticks and labels, one coloured line
/// per series with its own marker shape, optional dashed reference lines (the full cache), and a
/// legend that gives each series' number of cases. No other tool is needed to read it: any
/// browser or image viewer shows it.
///
/// Policies often score the same at a budget (every one 100 % at 0.5, say), and drawn at the same
/// spot the last series would hide the others. So each series has a marker shape as well as a
/// colour, markers are outlined, and the series are shifted sideways by a few pixels each around
/// the true x (seaborn's `pointplot(dodge=…)`: offsets spread evenly over the series, centred on
/// the point). A point's `<title>` keeps its true values.
public struct LineChart: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        /// Drawn dashed (a baseline rather than a policy).
        public var dashed: Bool
        /// Cases behind each point (the legend's `n`): one number, or the smallest and largest
        /// when points differ; nil leaves `n` out.
        public var cases: ClosedRange<Int>?
        public init(name: String, points: [Point], dashed: Bool = false, cases: ClosedRange<Int>? = nil) {
            self.name = name
            self.points = points.sorted { $0.x < $1.x }
            self.dashed = dashed
            self.cases = cases
        }

        /// `roco (n=15)`, `roco (n=3–5)`, or the name alone.
        var legend: String { LineChart.withCases(name, cases) }
    }

    /// A horizontal dashed line across the plot (e.g. the full-cache value).
    public struct Reference: Sendable {
        public var name: String
        public var y: Double
        /// Cases behind the value (the legend's `n`).
        public var cases: Int?
        public init(name: String, y: Double, cases: Int? = nil) {
            self.name = name
            self.y = y
            self.cases = cases
        }

        /// `full cache (1, n=15)`.
        var legend: String { "\(name) (\(LineChart.label(y))\(cases.map { ", n=\($0)" } ?? ""))" }
    }

    /// The shape of a series' markers, by series index (cycling).
    public enum Marker: String, Sendable, CaseIterable {
        case circle, square, triangle, diamond, triangleDown, cross

        /// An SVG path of the marker centred on (0, 0), about 9 px across.
        var path: String {
            switch self {
            case .circle: return "M-4.5,0 A4.5,4.5 0 1,0 4.5,0 A4.5,4.5 0 1,0 -4.5,0 Z"
            case .square: return "M-4,-4 H4 V4 H-4 Z"
            case .triangle: return "M0,-5 L4.8,3.8 H-4.8 Z"
            case .diamond: return "M0,-5.5 L5.5,0 L0,5.5 L-5.5,0 Z"
            case .triangleDown: return "M0,5 L4.8,-3.8 H-4.8 Z"
            case .cross: return "M-1.6,-5 H1.6 V-1.6 H5 V1.6 H1.6 V5 H-1.6 V1.6 H-5 V-1.6 H-1.6 Z"
            }
        }

        static func of(series index: Int) -> Marker { allCases[index % allCases.count] }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var references: [Reference]
    /// Fixed y range (accuracy: 0…1); nil fits the data.
    public var yRange: ClosedRange<Double>?
    /// Tick positions on x; nil for evenly spaced ticks over the data.
    public var xTicks: [Double]?
    public var width = 720.0
    public var height = 440.0
    /// Pixels between neighbouring series' sideways shifts (0: none); the whole spread is at
    /// most `maximumDodge`, so every point stays within a few pixels of its x.
    public var dodge = 5.0
    public var maximumDodge = 30.0

    /// Okabe & Ito's colour-blind-safe palette.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], references: [Reference] = [],
        yRange: ClosedRange<Double>? = nil, xTicks: [Double]? = nil
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.references = references
        self.yRange = yRange
        self.xTicks = xTicks
    }

    // Plot area inside the margins.
    var left: Double { 72 }
    /// Room for the legend: its longest entry at about 7 px per character.
    var right: Double {
        let names = series.map(\.legend.count) + references.map(\.legend.count)
        return width - max(150, Double(names.max() ?? 0) * 7 + 70)
    }

    /// The sideways shift of series `index`, in pixels: evenly spread over the series and
    /// centred on zero (seaborn `categorical.py`, `plot_points`: `-dodge / 2 + step · index`).
    func offset(series index: Int) -> Double {
        guard series.count > 1 else { return 0 }
        let spread = min(dodge * Double(series.count - 1), maximumDodge)
        return -spread / 2 + spread / Double(series.count - 1) * Double(index)
    }
    var top: Double { 48 }
    var bottom: Double { height - 62 }

    /// The SVG document.
    public func svg() -> String {
        let xs = series.flatMap { $0.points.map(\.x) } + (xTicks ?? [])
        let ys = series.flatMap { $0.points.map(\.y) } + references.map(\.y)
        let xTickValues = xTicks ?? Self.niceTicks(lower: xs.min() ?? 0, upper: xs.max() ?? 1)
        var xLow = min(xs.min() ?? 0, xTickValues.first ?? 0)
        var xHigh = max(xs.max() ?? 1, xTickValues.last ?? 1)
        if xHigh - xLow < 1e-12 {
            xLow -= 0.5
            xHigh += 0.5
        }
        let xPad = (xHigh - xLow) * 0.05
        xLow -= xPad
        xHigh += xPad
        let yTickValues: [Double]
        var yLow: Double
        var yHigh: Double
        if let r = yRange {
            yLow = r.lowerBound
            yHigh = r.upperBound
            yTickValues = Self.niceTicks(lower: yLow, upper: yHigh)
        } else {
            let ticks = Self.niceTicks(lower: ys.min() ?? 0, upper: ys.max() ?? 1)
            yTickValues = ticks
            yLow = min(ticks.first ?? 0, ys.min() ?? 0)
            yHigh = max(ticks.last ?? 1, ys.max() ?? 1)
        }
        if yHigh - yLow < 1e-12 {
            yLow -= 0.5
            yHigh += 0.5
        }
        func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - yLow) / (yHigh - yLow) * (bottom - top) }

        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="#ffffff"/>
            <text x="\(f(width / 2))" y="26" text-anchor="middle" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        // Grid and ticks.
        out += "<g class=\"y-axis\" stroke=\"#dddddd\">\n"
        for t in yTickValues where t >= yLow - 1e-9 && t <= yHigh + 1e-9 {
            let y = py(t)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\"/>\n"
            out +=
                "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" stroke=\"none\" fill=\"#333333\">\(Self.label(t))</text>\n"
        }
        out += "</g>\n<g class=\"x-axis\" stroke=\"#333333\">\n"
        for t in xTickValues {
            let x = px(t)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 5))\"/>\n"
            out +=
                "<text x=\"\(f(x))\" y=\"\(f(bottom + 19))\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">\(Self.label(t))</text>\n"
        }
        out += "</g>\n"
        // Axes and their labels.
        out += "<path d=\"M\(f(left)),\(f(top)) V\(f(bottom)) H\(f(right))\" fill=\"none\" stroke=\"#333333\"/>\n"
        out +=
            "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 18))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out +=
            "<text x=\"18\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f((top + bottom) / 2)))\">\(Self.escape(yLabel))</text>\n"
        // Reference lines.
        for r in references {
            let y = py(r.y)
            out +=
                "<line class=\"reference\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        }
        // Series: lines first, then every marker above every line.
        for (i, s) in series.enumerated() where s.points.count > 1 {
            let color = Self.palette[i % Self.palette.count]
            let dx = offset(series: i)
            let d = s.points.enumerated().map {
                "\($0.offset == 0 ? "M" : "L")\(f(px($0.element.x) + dx)),\(f(py($0.element.y)))"
            }
            let dash = s.dashed ? " stroke-dasharray=\"3 3\"" : ""
            out +=
                "<path class=\"series\" d=\"\(d.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-opacity=\"0.85\"\(dash)/>\n"
        }
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let dx = offset(series: i)
            for p in s.points {
                out += marker(
                    Marker.of(series: i), x: px(p.x) + dx, y: py(p.y), color: color,
                    title: "\(s.name): \(Self.label(p.x)), \(Self.label(p.y))")
            }
        }
        // Legend.
        out += "<g class=\"legend\">\n"
        var ly = top + 6
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let dash = s.dashed ? " stroke-dasharray=\"3 3\"" : ""
            out +=
                "<line x1=\"\(f(right + 18))\" y1=\"\(f(ly))\" x2=\"\(f(right + 42))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            out += marker(Marker.of(series: i), x: right + 30, y: ly, color: color, title: nil)
            out += "<text x=\"\(f(right + 50))\" y=\"\(f(ly + 4))\">\(Self.escape(s.legend))</text>\n"
            ly += 20
        }
        for r in references {
            out +=
                "<line x1=\"\(f(right + 18))\" y1=\"\(f(ly))\" x2=\"\(f(right + 42))\" y2=\"\(f(ly))\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
            out += "<text x=\"\(f(right + 50))\" y=\"\(f(ly + 4))\">\(Self.escape(r.legend))</text>\n"
            ly += 20
        }
        if series.count > 1 && dodge > 0 {
            out +=
                "<text class=\"note\" x=\"\(f(right + 18))\" y=\"\(f(ly + 10))\" font-size=\"10\" fill=\"#666666\">series shifted sideways</text>\n"
            out +=
                "<text class=\"note\" x=\"\(f(right + 18))\" y=\"\(f(ly + 23))\" font-size=\"10\" fill=\"#666666\">by ≤ \(f(min(dodge * Double(series.count - 1), maximumDodge) / 2)) px to show ties</text>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    /// One marker centred on (x, y), outlined in white so overlapping markers stay apart; with a
    /// `<title>` (the point's true values) for a data point.
    private func marker(_ shape: Marker, x: Double, y: Double, color: String, title: String?) -> String {
        let open =
            "<path class=\"marker \(shape.rawValue)\" transform=\"translate(\(f(x)),\(f(y)))\" d=\"\(shape.path)\" fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"1\""
        guard let title else { return open + "/>\n" }
        return open + "><title>\(Self.escape(title))</title></path>\n"
    }

    /// `name (n=15)`, `name (n=3–5)`, or `name`.
    static func withCases(_ name: String, _ cases: ClosedRange<Int>?) -> String {
        guard let cases else { return name }
        let n = cases.lowerBound == cases.upperBound ? "\(cases.lowerBound)" : "\(cases.lowerBound)–\(cases.upperBound)"
        return "\(name) (n=\(n))"
    }

    /// About five round tick values (steps of 1, 2 or 5 × 10ⁿ) covering `lower…upper`.
    public static func niceTicks(lower: Double, upper: Double, count: Int = 5) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [0, 1] }
        var lo = lower
        var hi = upper
        if hi - lo < 1e-12 {
            lo -= max(abs(lo) * 0.1, 0.5)
            hi += max(abs(hi) * 0.1, 0.5)
        }
        let raw = (hi - lo) / Double(max(count, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        // Multiples of the step, rounded to 12 decimals so 3 × 0.2 prints as 0.6.
        let firstIndex = (lo / step).rounded(.down)
        func tick(_ k: Double) -> Double { ((firstIndex + k) * step * 1e12).rounded() / 1e12 }
        var ticks: [Double] = []
        var k = 0.0
        while tick(k) <= hi + step * 1e-9 {
            ticks.append(tick(k))
            k += 1
        }
        if let last = ticks.last, last < hi - step * 1e-9 { ticks.append(tick(k)) }
        return ticks
    }

    /// A tick label: at most 4 significant decimals, no trailing zeros.
    static func label(_ v: Double) -> String {
        var s = String(format: "%.4f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Text content and attribute values with `&`, `<`, `>` and `"` escaped.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
