import Foundation

/// llama.cpp's figures for the same model and threads, as `tools/bench/llama_baseline.py`
/// writes them: tokens/s keyed by `BenchmarkCase.baselineKey`.
public struct BenchmarkBaseline: Sendable, Codable {
    public var tool: String
    public var version: String?
    public var threads: Int?
    public var model: String?
    public var loadAverage: [Double]?
    /// Tokens/s by `BenchmarkCase.baselineKey`.
    public var figures: [String: Double]
    /// Peak resident bytes by key (`memory/p7000`: a fresh process prefilling 7,000 tokens).
    public var memory: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case tool, version, threads, model, figures, memory
        case loadAverage = "load_average"
    }

    public init(tool: String, figures: [String: Double]) {
        self.tool = tool
        self.figures = figures
    }

    /// Reads a baseline file; errors name the file.
    public static func load(_ path: String) throws -> BenchmarkBaseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.file(path: path, "cannot read the baseline file (--compare)")
        }
        do {
            return try JSONDecoder().decode(BenchmarkBaseline.self, from: data)
        } catch {
            throw EvaluationError.file(path: path, "not a baseline file (--compare): \(error)")
        }
    }
}
