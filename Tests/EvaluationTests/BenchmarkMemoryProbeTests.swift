import Foundation
import GGUF
import TestSupport
import Testing

@testable import Evaluation

/// The peak-RSS probe (issues 9 and 14): the "model" part is the whole mapped file, so the
/// overhead is what the run allocated, not pages of the file arriving late.
struct BenchmarkMemoryProbeTests {
    /// `touchPages` reads every page of every tensor: its checksum equals one computed from the
    /// file on disk at the same offsets (each tensor's start, every 4 KiB page after it, its last byte).
    @Test func touchReadsEveryPageOfEveryTensor() throws {
        let file = try GGUFFile(path: TinyModel.path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TinyModel.path)))
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var expected: UInt8 = 0
        var pagesRead = 0
        for tensor in file.tensors {
            let start = file.dataOffset + tensor.offset
            for offset in stride(from: 0, to: tensor.byteCount, by: page) {
                expected &+= bytes[start + offset]
                pagesRead += 1
            }
            expected &+= bytes[start + tensor.byteCount - 1]
        }
        #expect(pagesRead >= file.tensors.count)
        #expect(BenchmarkMemoryProbe.touchPages(file) == expected)
    }

    @Test func probeCountsTheWholeFileAsModel() throws {
        let figure = BenchmarkCase.decode(depth: 64, tokens: 8)
        let probe = try BenchmarkMemoryProbe.run(modelPath: TinyModel.path, figure: figure)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: TinyModel.path)[.size] as? Int)
        #expect(probe.figure == "decode/d64/tg8/full")
        #expect(probe.fileBytes == size)
        #expect(probe.modelBytes >= probe.fileBytes)
        #expect(probe.kvPlanBytes > 0)
        #expect(probe.peakBytes >= probe.modelBytes)
        #expect(probe.overheadBytes == probe.peakBytes - probe.modelBytes - probe.kvPlanBytes)
    }
}
