import GGUF
import TestSupport
import Testing

@testable import Kernels

/// Every tensor of the shipped model, decoded, against checksums and values from gguf-py
/// (`model_spot_values.json`, made by tools/reference/make_quant_fixtures.py).
struct ModelDequantizationTests {
    @Test func everyTensorMatchesGGUFPy() throws {
        guard let path = TestModel.path else {
            Issue.record("default model not found; run `make model`")
            return
        }
        let file = try GGUFFile(path: path)
        let reference = try QuantFixtures.modelSpotValues()
        #expect(file.tensors.count == reference.tensors.count)
        let largest = file.tensors.map(\.elementCount).max() ?? 0
        var buffer = [Float](repeating: 0, count: largest)
        var checkedReferencePaths: Set<GGMLType> = []
        for expected in reference.tensors {
            let info = try #require(file.tensor(named: expected.name), "model lacks \(expected.name)")
            #expect(info.type.description == expected.type && info.elementCount == expected.elements, "\(info.name)")
            let data = file.data(for: info)
            try buffer.withUnsafeMutableBufferPointer { out in
                try WeightFormats.dequantize(
                    info.type, from: data.baseAddress!, count: info.elementCount, into: out.baseAddress!)
            }
            var sum = 0.0
            var sumAbs = 0.0
            var sumSquares = 0.0
            for i in 0..<info.elementCount {
                let v = Double(buffer[i])
                sum += v
                sumAbs += abs(v)
                sumSquares += v * v
            }
            // Summation order differs from numpy's pairwise sum; float64 keeps that below 1e-9.
            let scale = max(expected.sumAbs, 1e-30)
            #expect(abs(sum - expected.sum) <= 1e-9 * scale, "\(info.name): sum \(sum), gguf-py \(expected.sum)")
            #expect(abs(sumAbs - expected.sumAbs) <= 1e-9 * scale, "\(info.name): sum |x| \(sumAbs)")
            #expect(
                abs(sumSquares - expected.sumSquares) <= 1e-9 * max(expected.sumSquares, 1e-30),
                "\(info.name): sum x² \(sumSquares)")
            for pair in expected.values {
                let index = Int(pair[0])
                #expect(
                    buffer[index] == Float(pair[1]), "\(info.name)[\(index)] = \(buffer[index]), gguf-py \(pair[1])")
            }
            // The reference decoder on the first tensor of each type, compared element by element.
            if checkedReferencePaths.insert(info.type).inserted {
                var slow = [Float](repeating: .nan, count: info.elementCount)
                try slow.withUnsafeMutableBufferPointer { out in
                    try WeightFormats.dequantizeReference(
                        info.type, from: data.baseAddress!, count: info.elementCount, into: out.baseAddress!)
                }
                #expect(
                    (0..<info.elementCount).allSatisfy { slow[$0].bitPattern == buffer[$0].bitPattern },
                    "\(info.name): reference and fast path differ")
            }
        }
        #expect(checkedReferencePaths == [.q4_1, .q8_0, .f32])
    }
}
