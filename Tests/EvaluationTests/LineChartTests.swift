import Foundation
import Testing

@testable import Evaluation

/// A small XML well-formedness check (Foundation's XMLParser is not used in this project):
/// the prolog, one root element, properly nested and closed tags, quoted attributes with no raw
/// `<`, and only the five predefined or numeric entity references.
enum XMLCheck {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The element names in document order.
    @discardableResult
    static func wellFormed(_ text: String) throws -> [String] {
        let s = Array(text.unicodeScalars)
        var i = 0
        var stack: [String] = []
        var elements: [String] = []
        var roots = 0
        func fail(_ why: String) -> Failure { Failure(description: "at \(i): \(why)") }
        func checkEntities(_ chars: ArraySlice<Unicode.Scalar>) throws {
            var j = chars.startIndex
            while j < chars.endIndex {
                if chars[j] == "<" { throw fail("raw < in text or attribute") }
                if chars[j] == "&" {
                    guard let end = chars[j...].firstIndex(of: ";") else { throw fail("unterminated entity") }
                    let name = String(String.UnicodeScalarView(chars[(j + 1)..<end]))
                    let ok =
                        ["amp", "lt", "gt", "quot", "apos"].contains(name)
                        || (name.hasPrefix("#") && Int(name.dropFirst()) != nil)
                    guard ok else { throw fail("unknown entity &\(name);") }
                    j = end
                }
                j += 1
            }
        }
        func isNameChar(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || "0123456789-_:.".unicodeScalars.contains(c)
        }
        while i < s.count {
            if s[i] != "<" {
                let start = i
                while i < s.count, s[i] != "<" { i += 1 }
                let chunk = s[start..<i]
                if stack.isEmpty, !chunk.allSatisfy(\.properties.isWhitespace) { throw fail("text outside the root") }
                try checkEntities(chunk)
                continue
            }
            if s[i...].starts(with: "<?".unicodeScalars) {
                guard i == 0 || elements.isEmpty else { throw fail("processing instruction after the root") }
                guard let end = (i..<(s.count - 1)).first(where: { s[$0] == "?" && s[$0 + 1] == ">" }) else {
                    throw fail("unterminated <?")
                }
                i = end + 2
                continue
            }
            if s[i...].starts(with: "</".unicodeScalars) {
                var j = i + 2
                while j < s.count, isNameChar(s[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(s[(i + 2)..<j]))
                guard j < s.count, s[j] == ">" else { throw fail("bad closing tag") }
                guard stack.popLast() == name else { throw fail("</\(name)> does not close the open element") }
                i = j + 1
                continue
            }
            // Start tag: name, attributes name="value", then > or />.
            var j = i + 1
            while j < s.count, isNameChar(s[j]) { j += 1 }
            let name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
            guard !name.isEmpty else { throw fail("empty tag name") }
            var attributes = Set<String>()
            while true {
                while j < s.count, s[j].properties.isWhitespace { j += 1 }
                guard j < s.count else { throw fail("unterminated tag <\(name)") }
                if s[j] == ">" || (s[j] == "/" && j + 1 < s.count && s[j + 1] == ">") { break }
                let a = j
                while j < s.count, isNameChar(s[j]) { j += 1 }
                let attribute = String(String.UnicodeScalarView(s[a..<j]))
                guard !attribute.isEmpty, attributes.insert(attribute).inserted else {
                    throw fail("bad or repeated attribute in <\(name)")
                }
                guard j + 1 < s.count, s[j] == "=", s[j + 1] == "\"" else {
                    throw fail("attribute \(attribute) is not name=\"value\"")
                }
                guard let close = s[(j + 2)...].firstIndex(of: "\"") else { throw fail("unterminated attribute value") }
                try checkEntities(s[(j + 2)..<close])
                j = close + 1
            }
            if stack.isEmpty {
                roots += 1
                guard roots == 1 else { throw fail("second root element <\(name)>") }
            }
            elements.append(name)
            if s[j] == ">" {
                stack.append(name)
                i = j + 1
            } else {
                i = j + 2
            }
        }
        guard stack.isEmpty else { throw Failure(description: "unclosed elements \(stack)") }
        guard roots == 1 else { throw Failure(description: "no root element") }
        return elements
    }
}

struct LineChartTests {
    static let chart = LineChart(
        title: "Passkey accuracy vs KV budget", xLabel: "KV budget", yLabel: "accuracy",
        series: [
            .init(name: "roco", points: [.init(x: 0.5, y: 0.8), .init(x: 0.25, y: 0.4), .init(x: 1, y: 1)]),
            .init(name: "h2o <head> & co", points: [.init(x: 0.5, y: 0.6), .init(x: 0.25, y: 0.2), .init(x: 1, y: 1)]),
            .init(name: "baseline", points: [.init(x: 0.5, y: 0.9)], dashed: true),
        ],
        references: [.init(name: "full cache", y: 1)], yRange: 0...1, xTicks: [0.25, 0.5, 1])

    @Test func svgIsWellFormedWithAxesTicksAndLegend() throws {
        let svg = Self.chart.svg()
        let elements = try XMLCheck.wellFormed(svg)
        #expect(elements.first == "svg")
        #expect(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        // 7 data points + 3 legend markers, each a path with its series' shape.
        #expect(svg.components(separatedBy: "<path class=\"marker ").count - 1 == 10)
        #expect(svg.components(separatedBy: "<path class=\"marker circle\"").count - 1 == 4)
        #expect(svg.components(separatedBy: "<path class=\"marker square\"").count - 1 == 4)
        #expect(svg.components(separatedBy: "<path class=\"marker triangle\"").count - 1 == 2)
        // Two series with more than one point get a line each.
        #expect(svg.components(separatedBy: "<path class=\"series\"").count - 1 == 2)
        for label in [
            ">0.25<", ">0.5<", ">1<", ">0<", ">0.2<", ">0.8<", ">roco<", ">full cache (1)<", ">KV budget<",
            ">accuracy<",
        ] {
            #expect(svg.contains(label), "missing \(label)")
        }
        #expect(svg.contains("h2o &lt;head&gt; &amp; co"))
        #expect(svg.contains("stroke-dasharray=\"3 3\""))
    }

    @Test func checkerRejectsBrokenXML() {
        for broken in [
            "<svg><g></svg>", "<svg a=1/>", "<svg>x & y</svg>", "<svg/><svg/>", "<svg><text>1 < 2</text></svg>",
        ] {
            #expect(throws: XMLCheck.Failure.self, "\(broken)") { try XMLCheck.wellFormed(broken) }
        }
    }

    @Test func pointsLandWhereTheirValuesSay() throws {
        // y = 1 is the top of the plot area, y = 0 the bottom; x = 0.25 left of x = 0.5.
        let svg = Self.chart.svg()
        let high = try #require(Self.marker(svg, "roco: 1, 1"))
        let mid = try #require(Self.marker(svg, "roco: 0.5, 0.8"))
        let low = try #require(Self.marker(svg, "roco: 0.25, 0.4"))
        #expect(low.0 < mid.0 && mid.0 < high.0)
        #expect(high.1 < mid.1 && mid.1 < low.1)
        let chart = Self.chart
        #expect(abs(high.1 - chart.top) < 0.1)
        // 0.8 is 80% of the way up.
        #expect(abs((chart.bottom - mid.1) / (chart.bottom - chart.top) - 0.8) < 0.01)
    }

    /// The centre of the marker whose `<title>` is `title`.
    static func marker(_ svg: String, _ title: String) -> (Double, Double)? {
        guard let r = svg.range(of: "<title>\(title)</title>") else { return nil }
        let head = svg[..<r.lowerBound]
        guard let open = head.range(of: "translate(", options: .backwards) else { return nil }
        let numbers = head[open.upperBound...].prefix { $0 != ")" }.split(separator: ",").compactMap { Double($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }

    /// Three policies with the same values (all 100 % at every budget, the usual case at 0.5):
    /// before, the last one drawn hid the others. Now each has its own marker shape, the series
    /// sit a few pixels apart around the true x, and the legend gives each series' n.
    @Test func equalSeriesStayVisibleAndTheLegendGivesN() throws {
        let points: [LineChart.Point] = [.init(x: 0.25, y: 1), .init(x: 0.5, y: 1), .init(x: 1, y: 1)]
        let chart = LineChart(
            title: "t", xLabel: "x", yLabel: "y",
            series: ["tova", "roco", "recency"].map { LineChart.Series(name: $0, points: points, cases: 15...15) }
                + [LineChart.Series(name: "random", points: points, cases: 3...5)],
            references: [.init(name: "full cache", y: 1, cases: 15)], yRange: 0...1, xTicks: [0.25, 0.5, 1])
        let svg = chart.svg()
        try XMLCheck.wellFormed(svg)
        let centres = try ["tova", "roco", "recency", "random"].map { try #require(Self.marker(svg, "\($0): 0.5, 1")) }
        // Same height, distinct x, in series order, spread evenly and centred on the true x.
        #expect(Set(centres.map(\.1)).count == 1)
        let xs = centres.map(\.0)
        #expect(xs == xs.sorted() && Set(xs).count == 4)
        let gaps = zip(xs.dropFirst(), xs).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - chart.dodge) < 0.11 }, "\(gaps)")
        // x = 0.5 on an axis from 0.25 to 1 padded by 5 % each side.
        let trueX = chart.left + (0.5 - 0.2125) / 0.825 * (chart.right - chart.left)
        #expect(abs((xs[1] + xs[2]) / 2 - trueX) < 0.11, "\(xs) around \(trueX)")
        for shape in ["circle", "square", "triangle", "diamond"] {
            #expect(svg.contains("<path class=\"marker \(shape)\""), "no \(shape) marker")
        }
        for label in [">tova (n=15)<", ">random (n=3–5)<", ">full cache (1, n=15)<"] {
            #expect(svg.contains(label), "missing \(label)")
        }
    }

    @Test func niceTicks() {
        #expect(LineChart.niceTicks(lower: 0, upper: 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        let t = LineChart.niceTicks(lower: 17.57, upper: 17.75)
        #expect(t.first! <= 17.57 && t.last! >= 17.75 && t.count >= 4 && t.count <= 8)
        #expect(
            LineChart.label(17.55) == "17.55" && LineChart.label(0.6000000000000001) == "0.6"
                && LineChart.label(3) == "3")
    }
}
