import Foundation

/// Writes an evaluation's report: a Markdown file beside the SVG charts it shows.
public struct ReportWriter: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Writes `<name>.md` and each chart as `<name>-<suffix>.svg`; returns the Markdown path.
    @discardableResult
    public func write(name: String, markdown: String, charts: [(suffix: String, chart: LineChart)])
        throws(EvaluationError)
        -> String
    {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw EvaluationError.file(
                path: directory, "cannot create the report folder: \(error.localizedDescription)")
        }
        var text = markdown
        for (suffix, chart) in charts {
            let file = "\(name)-\(suffix).svg"
            try save(chart.svg(), to: file)
            text += "\n![\(chart.title)](\(file))\n"
        }
        let path = "\(name).md"
        try save(text, to: path)
        return (directory as NSString).appendingPathComponent(path)
    }

    private func save(_ text: String, to file: String) throws(EvaluationError) {
        let path = (directory as NSString).appendingPathComponent(file)
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw EvaluationError.file(path: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
