import GGUF

/// The one error type of the `Kernels` module.
public enum KernelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// This build has no decoder for `type` (for example the IQ or ternary formats).
    case unsupportedType(GGMLType)
    /// `count` is negative or not a whole number of `type`'s blocks.
    case badCount(type: GGMLType, count: Int)
    /// No kernel set of that name runs on this CPU (`EASYKV_KERNELS`, `KernelSet.select`).
    case unknownKernelSet(String, available: [String])

    public var description: String {
        switch self {
        case .unsupportedType(let type):
            let supported = WeightFormats.supportedTypes.map(\.description).joined(separator: ", ")
            return "cannot dequantize ggml type \(type) (\(type.rawValue)); supported: \(supported)"
        case .badCount(let type, let count):
            return
                "cannot dequantize \(count) elements of \(type): the count must be a non-negative multiple of "
                + "its block size \(type.blockSize)"
        case .unknownKernelSet(let name, let available):
            return
                "no kernel set named '\(name)' runs on this CPU (EASYKV_KERNELS); available: "
                + available.joined(separator: ", ")
        }
    }
}
