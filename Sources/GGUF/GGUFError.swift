/// Everything that can be wrong with a GGUF file. Each message names the file and the problem.
public struct GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, without the file name.
    public enum Reason: Equatable, Sendable {
        case cannotOpen(String)
        case badMagic(UInt32)
        case unsupportedVersion(UInt32)
        case truncated(what: String, offset: Int)
        case countTooLarge(what: String, count: UInt64)
        case unknownValueType(key: String, rawType: UInt32)
        case invalidString(what: String)
        case nestingTooDeep(key: String)
        case duplicateKey(String)
        case duplicateTensor(String)
        case badAlignment(UInt64)
        case unknownTensorType(tensor: String, rawType: UInt32)
        case badDimensions(tensor: String, dims: [UInt64])
        case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
        case tensorPastEnd(tensor: String, end: UInt64, fileSize: Int)
        case overlappingTensors(String, String)
        case missingKey(String)
        case wrongValueType(key: String, expected: String)
        case missingTensor(String)
    }

    public let path: String
    public let reason: Reason

    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(detail)" }

    /// The problem alone, for callers that already print the file name.
    public var detail: String {
        switch reason {
        case .cannotOpen(let why): return "cannot open: \(why)"
        case .badMagic(let magic):
            return "not a GGUF file (magic 0x\(String(magic, radix: 16)), expected 0x46554747 'GGUF')"
        case .unsupportedVersion(let v): return "unsupported GGUF version \(v) (supported: 2, 3)"
        case .truncated(let what, let offset): return "file is truncated: \(what) at byte \(offset) runs past the end"
        case .countTooLarge(let what, let count): return "\(what) count \(count) is larger than the file could hold"
        case .unknownValueType(let key, let raw): return "metadata key '\(key)' has unknown value type \(raw)"
        case .invalidString(let what): return "\(what) is not valid UTF-8"
        case .nestingTooDeep(let key): return "metadata key '\(key)' nests arrays too deeply"
        case .duplicateKey(let key): return "metadata key '\(key)' appears twice"
        case .duplicateTensor(let name): return "tensor '\(name)' appears twice"
        case .badAlignment(let a): return "general.alignment \(a) is not a power of two between 1 and 2^20"
        case .unknownTensorType(let name, let raw): return "tensor '\(name)' has unknown ggml type \(raw)"
        case .badDimensions(let name, let dims):
            return
                "tensor '\(name)' has invalid dimensions \(dims) (zero, more than 4, overflowing, or not whole blocks)"
        case .misalignedTensor(let name, let offset, let alignment):
            return "tensor '\(name)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorPastEnd(let name, let end, let size):
            return "tensor '\(name)' data ends at byte \(end), past the end of the file (\(size) bytes)"
        case .overlappingTensors(let a, let b): return "tensors '\(a)' and '\(b)' overlap"
        case .missingKey(let key): return "required metadata key '\(key)' is missing"
        case .wrongValueType(let key, let expected): return "metadata key '\(key)' is not \(expected)"
        case .missingTensor(let name): return "required tensor '\(name)' is missing"
        }
    }
}
