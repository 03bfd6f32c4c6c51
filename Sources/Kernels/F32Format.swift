import GGUF

/// ggml `F32`: plain little-endian IEEE binary32, one element per "block".
enum F32Format: WeightFormat {
    static let type = GGMLType.f32

    static func dequantizeReference(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<blockCount {
            destination[i] = Float(bitPattern: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
    }

    static func dequantize(
        _ source: UnsafeRawPointer, blockCount: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        // A byte copy keeps NaN payloads exactly, as the reference does.
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * blockCount)
    }
}
