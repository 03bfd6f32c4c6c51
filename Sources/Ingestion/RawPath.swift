/// A file system path as the bytes the kernel uses. Linux file names are any bytes but `/` and
/// NUL; a name that is not valid UTF-8 cannot round-trip through `String`, which replaces the
/// bad bytes with U+FFFD, so such a file could not even be opened again (issue 16 item 17).
/// Folder walks keep paths as `RawPath`; ids and messages use `escaped`.
public struct RawPath: Sendable, Hashable {
    /// The path's bytes, without a terminating NUL.
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(_ string: String) { bytes = Array(string.utf8) }

    /// The path as a `String`, when its bytes are valid UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// The path as text: valid UTF-8 as it is, every other byte as `\xNN` (lower-case hex, as
    /// Python's `backslashreplace` writes it).
    public var escaped: String {
        if let string { return string }
        var out = ""
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = Self.scalar(in: bytes, at: i) {
                out.unicodeScalars.append(scalar)
                i += length
            } else {
                let hex = String(bytes[i], radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                i += 1
            }
        }
        return out
    }

    /// `self/name`.
    public func appending(_ name: RawPath) -> RawPath {
        if bytes.isEmpty { return name }
        return RawPath(bytes: bytes + [UInt8(ascii: "/")] + name.bytes)
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    public func withCString<T>(_ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// The one scalar whose UTF-8 encoding starts at `i`, and its length, if the bytes there
    /// are a valid encoding.
    private static func scalar(in bytes: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        for length in 1...4 where i + length <= bytes.count {
            if let s = String(validating: bytes[i..<i + length], as: UTF8.self), s.unicodeScalars.count == 1 {
                return (s.unicodeScalars.first!, length)
            }
        }
        return nil
    }
}
