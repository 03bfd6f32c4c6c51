/// The Windows-1252 code page, the fallback for bytes that are not UTF-8.
///
/// Source: WHATWG Encoding, index-windows-1252. 0x00–0x7F are ASCII and 0xA0–0xFF equal their
/// Latin-1 code points; only 0x80–0x9F differ (five of them, unassigned, map to C1 controls).
enum Windows1252 {
    /// Code points of bytes 0x80–0x9F.
    static let highTable: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    static func scalar(of byte: UInt8) -> UInt32 {
        (0x80...0x9F).contains(byte) ? highTable[Int(byte) - 0x80] : UInt32(byte)
    }

    /// Appends the UTF-8 encoding of `byte` read as Windows-1252.
    static func appendUTF8(of byte: UInt8, to out: inout [UInt8]) {
        let v = scalar(of: byte)
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}
