import Foundation
import KVCaches
import Testing

/// The storage formats by name, their row sizes, and how the settings check and code them.
@Suite struct KVFormatTests {
    @Test func namesSizesAndAliases() throws {
        #expect(KVFormat.allCases.map(\.rawValue) == ["f32", "q8_0", "q4_0", "q4_1"])
        #expect(try KVFormat.named("fp32", for: .keyType) == .f32)
        #expect(try KVFormat.named("Q8_0", for: .valueType) == .q8_0)
        // ggml's block sizes: 32 values in 34, 18 and 20 bytes.
        #expect(KVFormat.allCases.map { $0.rowBytes(headDim: 64) } == [256, 68, 36, 40])
        #expect(KVFormat.allCases.map { $0.rowBytes(headDim: 128) } == [512, 136, 72, 80])
        #expect(
            throws: KVCacheError.invalidSetting(.valueType, "unknown KV type 'q2_k' (valid: f32, q8_0, q4_0, q4_1)")
        ) { try KVFormat.named("q2_k", for: .valueType) }
        #expect(KVCacheError.Setting.keyType.flag == "--kv-type" && KVCacheError.Setting.keyType.key == "key_type")
        #expect(
            KVCacheError.Setting.valueType.flag == "--kv-value-type"
                && KVCacheError.Setting.valueType.key == "value_type")
    }

    /// Keys stop at q8_0; quantized rows need a head dimension that is a multiple of 32.
    @Test func settingsValidateTheFormats() throws {
        try KVSettings(keyFormat: .q8_0, valueFormat: .q4_1).validate()
        for bad in [KVFormat.q4_0, .q4_1] {
            #expect(throws: KVCacheError.self) { try KVSettings(keyFormat: bad, valueFormat: .q8_0).validate() }
        }
        try KVSettings(keyFormat: .q8_0, valueFormat: .q4_0).validate(headDim: 64)
        try KVSettings(keyFormat: .f32, valueFormat: .f32).validate(headDim: 80)
        let error = #expect(throws: KVCacheError.self) {
            try KVSettings(keyFormat: .f32, valueFormat: .q8_0).validate(headDim: 80)
        }
        #expect(
            error?.description
                == "--kv-value-type: q8_0 stores blocks of 32 along the head dimension; this model's head dimension 80 is not a multiple of 32 (use f32)"
        )
        #expect(KVSettings(keyFormat: .q8_0, valueFormat: .q4_0).formatLabel == "q8_0/q4_0")
        #expect(KVSettings(keyFormat: .q8_0, valueFormat: .q8_0).formatLabel == "q8_0")
        #expect(KVSettings.encoding(policy: .roco, budget: .fraction(0.5), stride: 64).label == "roco@0.5/s64")
        var quantized = KVSettings.encoding(policy: .roco, budget: .fraction(0.5), stride: 64)
        quantized.keyFormat = .q8_0
        quantized.valueFormat = .q8_0
        #expect(quantized.label == "roco@0.5/s64/q8_0")
    }

    /// fp32 formats are not written (so every coding made before quantized KV, and every
    /// pipeline's config hash, stays the same) and decode back when missing; others round-trip.
    @Test func codingLeavesFP32Out() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let plain = KVSettings.encoding(policy: .tova, budget: .fraction(0.5), stride: 64)
        let text = String(decoding: try encoder.encode(plain), as: UTF8.self)
        #expect(!text.contains("Format"))
        #expect(try JSONDecoder().decode(KVSettings.self, from: Data(text.utf8)) == plain)
        var quantized = plain
        quantized.keyFormat = .q8_0
        quantized.valueFormat = .q4_1
        let qText = String(decoding: try encoder.encode(quantized), as: UTF8.self)
        #expect(qText.contains(#""keyFormat":"q8_0""#) && qText.contains(#""valueFormat":"q4_1""#))
        #expect(try JSONDecoder().decode(KVSettings.self, from: Data(qText.utf8)) == quantized)
    }
}
