import Foundation
import GGUF
import LanguageModels

/// The peak-RSS figure of issues 9 and 14, measured in a fresh process so earlier cases do not
/// raise the peak: load the model, bring the whole mapped file in, note the resident size, run
/// one case (`BenchmarkPlan.memoryCase`), note the peak.
///
/// The file is brought in before the "model" figure is taken because the mapping otherwise
/// keeps paging in during the run (SmolLM2: 76 of 94 MiB resident after load), and those pages
/// would count as overhead; llama.cpp maps with `MAP_POPULATE` for the same reason. Every real
/// run reads every weight, so this does not raise the peak.
public struct BenchmarkMemoryProbe: Sendable, Codable, Equatable {
    /// The case run, `BenchmarkCase.id`.
    public var figure: String
    /// The GGUF file's size; all of it is mapped.
    public var fileBytes: Int
    /// Resident after load with every page of the file touched: the process itself, the whole
    /// mapped file and any fp32 copies (`--exact`).
    public var modelBytes: Int
    /// The KV cache's allocation for the case (`KVUsage.allocatedBytes`).
    public var kvPlanBytes: Int
    public var peakBytes: Int
    /// What issue 9 bounds by 64 MiB: peak − model − KV plan (activations, workspace, heap).
    public var overheadBytes: Int

    enum CodingKeys: String, CodingKey {
        case figure
        case fileBytes = "file_bytes"
        case modelBytes = "model_bytes"
        case kvPlanBytes = "kv_plan_bytes"
        case peakBytes = "peak_bytes"
        case overheadBytes = "overhead_bytes"
    }

    public init(figure: String, fileBytes: Int, modelBytes: Int, kvPlanBytes: Int, peakBytes: Int) {
        self.figure = figure
        self.fileBytes = fileBytes
        self.modelBytes = modelBytes
        self.kvPlanBytes = kvPlanBytes
        self.peakBytes = peakBytes
        overheadBytes = peakBytes - modelBytes - kvPlanBytes
    }

    /// Loads the model at `modelPath`, touches the mapped file and runs `figure`.
    public static func run(modelPath: String, options: LoadOptions = LoadOptions(), figure: BenchmarkCase) throws
        -> Self
    {
        let model = try LlamaModel(path: modelPath, options: options)
        touchPages(model.file)
        let modelBytes = ProcessMemory.residentBytes()
        let result = try BenchmarkRunner(model: model).measure(figure)
        return BenchmarkMemoryProbe(
            figure: figure.id, fileBytes: model.file.fileSize, modelBytes: modelBytes,
            kvPlanBytes: result.kv.allocatedBytes, peakBytes: ProcessMemory.peakResidentBytes())
    }

    /// Reads one byte of every page of every tensor (the header was read while parsing), so the
    /// whole mapping is resident. Returns their sum so the reads are not optimised away.
    @discardableResult
    static func touchPages(_ file: GGUFFile) -> UInt8 {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var sum: UInt8 = 0
        for tensor in file.tensors {
            let bytes = file.data(for: tensor)
            for offset in Swift.stride(from: 0, to: bytes.count, by: page) { sum &+= bytes[offset] }
            if let last = bytes.last { sum &+= last }
        }
        return sum
    }
}
