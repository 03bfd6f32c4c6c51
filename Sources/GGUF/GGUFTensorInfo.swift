/// Where one tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml order: `dimensions[0]` is the contiguous (row) length. A `[576, 1536]` weight has
    /// 1536 rows of 576 elements.
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset from the start of the tensor data section.
    public let offset: Int
    /// Bytes of tensor data.
    public let byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Elements in one row (`dimensions[0]`).
    public var rowLength: Int { dimensions[0] }
    /// Number of rows (product of the other dimensions).
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
    /// Bytes in one row.
    public var rowBytes: Int { byteCount / rowCount }
}
