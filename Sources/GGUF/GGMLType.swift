/// The ggml tensor element types a GGUF file can name (ggml.h `enum ggml_type`; block sizes and
/// byte sizes as in gguf-py's `GGML_QUANT_SIZES`).
///
/// The reader knows every type's size so it can bounds-check any tensor; which types can be
/// dequantized and multiplied is the `Kernels` module's concern.
// swift-format-ignore: AlwaysUseLowerCamelCase
// (case names are ggml's type names, `q4_K`, so they read like every GGUF tool's output)
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q8_1 = 9
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case q8_K = 15
    case iq2_xxs = 16
    case iq2_xs = 17
    case iq3_xxs = 18
    case iq1_s = 19
    case iq4_nl = 20
    case iq3_s = 21
    case iq2_s = 22
    case iq4_xs = 23
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case iq1_m = 29
    case bf16 = 30
    case tq1_0 = 34
    case tq2_0 = 35
    case mxfp4 = 39

    /// Elements per block (1 for plain scalar types).
    public var blockSize: Int { Self.layout[self]!.block }

    /// Bytes per block.
    public var bytesPerBlock: Int { Self.layout[self]!.bytes }

    /// The ggml name, as llama.cpp prints it (`Q4_1`, `F32`, `BF16`).
    public var description: String { Self.layout[self]!.name }

    /// Bytes taken by `count` elements, or nil when `count` is not a whole number of blocks
    /// or the size overflows.
    public func byteCount(elements count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }

    private static let layout: [GGMLType: (name: String, block: Int, bytes: Int)] = [
        .f32: ("F32", 1, 4), .f16: ("F16", 1, 2), .q4_0: ("Q4_0", 32, 18), .q4_1: ("Q4_1", 32, 20),
        .q5_0: ("Q5_0", 32, 22), .q5_1: ("Q5_1", 32, 24), .q8_0: ("Q8_0", 32, 34),
        .q8_1: ("Q8_1", 32, 40), .q2_K: ("Q2_K", 256, 84), .q3_K: ("Q3_K", 256, 110),
        .q4_K: ("Q4_K", 256, 144), .q5_K: ("Q5_K", 256, 176), .q6_K: ("Q6_K", 256, 210),
        .q8_K: ("Q8_K", 256, 292), .iq2_xxs: ("IQ2_XXS", 256, 66), .iq2_xs: ("IQ2_XS", 256, 74),
        .iq3_xxs: ("IQ3_XXS", 256, 98), .iq1_s: ("IQ1_S", 256, 50), .iq4_nl: ("IQ4_NL", 32, 18),
        .iq3_s: ("IQ3_S", 256, 110), .iq2_s: ("IQ2_S", 256, 82), .iq4_xs: ("IQ4_XS", 256, 136),
        .i8: ("I8", 1, 1), .i16: ("I16", 1, 2), .i32: ("I32", 1, 4), .i64: ("I64", 1, 8),
        .f64: ("F64", 1, 8), .iq1_m: ("IQ1_M", 256, 56), .bf16: ("BF16", 1, 2),
        .tq1_0: ("TQ1_0", 256, 54), .tq2_0: ("TQ2_0", 256, 66), .mxfp4: ("MXFP4", 32, 17),
    ]
}
