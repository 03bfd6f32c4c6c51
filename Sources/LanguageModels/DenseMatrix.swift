import GGUF
import Kernels

/// An fp32 row-major matrix owned by the model: one ggml row per output feature.
public final class DenseMatrix: @unchecked Sendable {
    // @unchecked Sendable: written once at load, read-only afterwards.

    public let rows: Int
    public let columns: Int
    /// Shape: [rows, columns].
    public let data: UnsafeMutablePointer<Float>

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        data = .allocate(capacity: rows * columns)
    }

    deinit { data.deallocate() }

    public var bytes: Int { rows * columns * MemoryLayout<Float>.size }

    /// Dequantizes the 2-D tensors `infos` of `file`, stacked by rows in the given order (to fuse
    /// Q/K/V or gate/up into one product). Every tensor must have `columns` elements per row.
    static func load(_ infos: [GGUFTensorInfo], from file: GGUFFile, columns: Int) throws(ModelError) -> DenseMatrix {
        try validate(infos, in: file, columns: columns)
        let totalRows = infos.reduce(0) { $0 + $1.rowCount }
        let m = DenseMatrix(rows: totalRows, columns: columns)
        var row = 0
        for info in infos {
            let source = file.data(for: info)
            do {
                try WeightFormats.dequantize(
                    info.type, from: source.baseAddress!, count: info.elementCount, into: m.data + row * columns)
            } catch {
                throw ModelError.badTensor(path: file.path, tensor: info.name, "\(error)")
            }
            row += info.rowCount
        }
        return m
    }

    /// Checks that every tensor has rows of `columns` elements in a type this build computes with.
    static func validate(_ infos: [GGUFTensorInfo], in file: GGUFFile, columns: Int) throws(ModelError) {
        for info in infos {
            guard info.dimensions.count <= 2, info.rowLength == columns else {
                throw ModelError.badTensor(
                    path: file.path, tensor: info.name,
                    "shape \(info.dimensions) does not have rows of \(columns) elements")
            }
            guard WeightFormats.isSupported(info.type) else {
                throw ModelError.unsupportedTensorType(path: file.path, tensor: info.name, type: info.type.description)
            }
        }
    }
}
