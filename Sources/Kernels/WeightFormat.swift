import GGUF

/// One ggml weight encoding: how a block of `type.blockSize` elements stored in
/// `type.bytesPerBlock` bytes decodes to Floats.
///
/// Each format has two decoders over the same contract: `dequantizeReference`, a plain
/// transliteration of ggml's scalar `dequantize_row_*` (ggml-quants.c) that tests trust, and
/// `dequantize`, the fast path used at model load (unsafe pointers and fixed-length inner loops
/// that LLVM vectorises). Tests hold the two to the same fixtures and to each other.
///
/// Both read unaligned little-endian bytes (GGUF blocks of 18, 20, 22 … bytes put their fields at
/// any alignment) and assume a little-endian host, as the GGUF reader does.
protocol WeightFormat {
    /// The ggml type this format decodes; block geometry comes from its `blockSize` and
    /// `bytesPerBlock`.
    static var type: GGMLType { get }

    /// Decodes `blockCount` consecutive blocks at `source` into
    /// `blockCount * type.blockSize` Floats at `destination`.
    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>)

    /// Same result as `dequantizeReference`, fast.
    static func dequantize(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>)
}

extension UnsafeRawPointer {
    /// The byte at `offset`.
    @inline(__always)
    func byte(_ offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }

    /// The binary16 value at `offset` (any alignment), as Float.
    @inline(__always)
    func f16(_ offset: Int) -> Float {
        HalfPrecision.float(fromF16: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The binary16 value at `offset`, converted by the bit-level reference.
    func f16Reference(_ offset: Int) -> Float {
        HalfPrecision.floatReference(fromF16: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
