import Foundation
import TestSupport
import Testing

@testable import GGUF

#if canImport(Glibc)
    import Glibc
#endif

/// Writes `bytes` to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "test.gguf") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// A small valid file: every metadata type, a nested array, two tensors.
func sampleWriter() -> GGUFWriter {
    var w = GGUFWriter()
    w.add("general.architecture", .string("llama"))
    w.add("u8", .uint8(200))
    w.add("i8", .int8(-5))
    w.add("u16", .uint16(60000))
    w.add("i16", .int16(-30000))
    w.add("u32", .uint32(4_000_000_000))
    w.add("i32", .int32(-2_000_000_000))
    w.add("f32", .float32(1.5))
    w.add("flag", .bool(true))
    w.add("u64", .uint64(1 << 40))
    w.add("i64", .int64(-(1 << 40)))
    w.add("f64", .float64(-2.25))
    w.add("names", .array([.string("a"), .string("ünï"), .string("")]))
    w.add("nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
    w.addTensor("a.weight", dimensions: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
    w.addTensor("b.weight", dimensions: [32], type: .q8_0, data: [UInt8](repeating: 7, count: 34))
    return w
}

/// Byte offset of the first occurrence of `needle` in `haystack`.
func offset(of needle: [UInt8], in haystack: [UInt8]) -> Int {
    for i in 0...(haystack.count - needle.count) where Array(haystack[i..<i + needle.count]) == needle { return i }
    return -1
}

func expectReason(
    _ bytes: [UInt8], _ matches: (GGUFError.Reason) -> Bool, sourceLocation: SourceLocation = #_sourceLocation
) {
    let path = temporaryFile(bytes)
    do {
        _ = try GGUFFile(path: path)
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch {
        #expect(matches(error.reason), "got \(error.reason)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(path + ": "), sourceLocation: sourceLocation)
    }
}

@Suite struct GGUFFileTests {
    @Test func readsEveryValueTypeAndTensor() throws {
        let path = temporaryFile(sampleWriter().bytes())
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file["u8"] == .uint8(200))
        #expect(file["i8"]?.int == -5)
        #expect(file["u16"]?.int == 60000)
        #expect(file["i16"]?.int == -30000)
        #expect(file["u32"]?.int == 4_000_000_000)
        #expect(file["i32"]?.int == -2_000_000_000)
        #expect(file["f32"]?.double == 1.5)
        #expect(file["flag"]?.bool == true)
        #expect(file["u64"]?.int == 1 << 40)
        #expect(file["i64"]?.int == -(1 << 40))
        #expect(file["f64"] == .float64(-2.25))
        #expect(file["names"]?.strings == ["a", "ünï", ""])
        #expect(file["nested"]?.array?.map { $0.ints ?? [] } == [[1, 2], [3]])
        #expect(file.metadataKeys.first == "general.architecture")
        #expect(file.tensors.map(\.name) == ["a.weight", "b.weight"])
        let a = try file.requireTensor("a.weight")
        #expect(a.dimensions == [4, 2] && a.rowLength == 4 && a.rowCount == 2 && a.type == .f32)
        let floats = file.data(for: a).withMemoryRebound(to: Float.self) { Array($0) }
        #expect(floats == [1, 2, 3, 4, 5, 6, 7, 8])
        let b = try file.requireTensor("b.weight")
        #expect(b.byteCount == 34 && b.offset % file.alignment == 0)
        #expect(file.dataOffset % 32 == 0)
        #expect(Array(file.data(for: b)) == [UInt8](repeating: 7, count: 34))
    }

    @Test func readsVersion2AndCustomAlignment() throws {
        var w = sampleWriter()
        w.version = 2
        w.alignment = 64
        w.add("general.alignment", .uint32(64))
        let file = try GGUFFile(path: temporaryFile(w.bytes()))
        #expect(file.version == 2 && file.alignment == 64 && file.dataOffset % 64 == 0)
        #expect(try file.requireTensor("b.weight").offset == 64)
    }

    @Test func readsTheShippedModel() throws {
        guard let path = TestModel.path else {
            Issue.record("default model not found; run `make model`")
            return
        }
        let file = try GGUFFile(path: path)
        #expect(file["general.architecture"]?.string == "llama")
        #expect(file.tensors.count == 272)
        #expect(file[GGUFKeys.tokens]?.array?.count == 49152)
        #expect(file[GGUFKeys.merges]?.array?.count == 48900)
        let embedding = try file.requireTensor("token_embd.weight")
        #expect(embedding.dimensions == [576, 49152] && embedding.type == .q8_0)
        #expect(file.tensors.filter { $0.type == .q4_1 }.count == 210)
    }

    // MARK: - One malformed file per failure (llama.cpp's habit).

    @Test func wrongMagic() {
        var bytes = sampleWriter().bytes()
        bytes[0] = UInt8(ascii: "X")
        expectReason(bytes) { if case .badMagic = $0 { true } else { false } }
    }

    @Test func emptyFile() {
        expectReason([]) { if case .truncated(let what, 0) = $0 { what == "magic" } else { false } }
    }

    @Test func unknownVersion() {
        var w = sampleWriter()
        w.version = 1
        expectReason(w.bytes()) { $0 == .unsupportedVersion(1) }
        w.version = 4
        expectReason(w.bytes()) { $0 == .unsupportedVersion(4) }
    }

    @Test func truncatedHeader() {
        let bytes = Array(sampleWriter().bytes().prefix(12))
        expectReason(bytes) { if case .truncated(let what, _) = $0 { what == "tensor count" } else { false } }
    }

    @Test func truncatedEverywhereNeverCrashes() {
        // Cut the file at every byte of its header: each cut is an error, none a crash.
        let bytes = sampleWriter().bytes()
        let file = try? GGUFFile(path: temporaryFile(bytes))
        let headerEnd = file?.dataOffset ?? bytes.count
        for cut in stride(from: 0, to: headerEnd, by: 3) {
            let path = temporaryFile(Array(bytes.prefix(cut)))
            #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
        }
    }

    @Test func truncatedMetadataString() {
        var w = GGUFWriter()
        w.add("general.name", .string(String(repeating: "x", count: 100)))
        let bytes = w.bytes()
        let cut = Array(bytes.prefix(offset(of: Array("xxxx".utf8), in: bytes) + 10))
        expectReason(cut) {
            if case .truncated(let what, _) = $0 { what.contains("general.name") } else { false }
        }
    }

    @Test func absurdArrayCount() {
        var w = GGUFWriter()
        w.add("big", .array([.uint32(1)]))
        var bytes = w.bytes()
        // The element count follows the element type (uint32 = 4) of key "big".
        let at = offset(of: Array("big".utf8), in: bytes) + 3 + 4 + 4
        for i in 0..<8 { bytes[at + i] = 0xFF }
        bytes[at + 7] = 0x0F
        expectReason(bytes) { if case .countTooLarge = $0 { true } else { false } }
    }

    @Test func absurdTensorCount() {
        var bytes = sampleWriter().bytes()
        for i in 8..<16 { bytes[i] = 0xFF }
        expectReason(bytes) { if case .countTooLarge(let what, _) = $0 { what == "tensor" } else { false } }
    }

    @Test func unknownValueType() {
        var w = GGUFWriter()
        w.add("odd", .uint32(1))
        var bytes = w.bytes()
        let at = offset(of: Array("odd".utf8), in: bytes) + 3
        bytes[at] = 99
        expectReason(bytes) { $0 == .unknownValueType(key: "odd", rawType: 99) }
    }

    @Test func invalidUTF8Key() {
        var w = GGUFWriter()
        w.add("k\u{e9}y", .uint32(1))
        var bytes = w.bytes()
        let at = offset(of: Array("k\u{e9}y".utf8), in: bytes) + 1
        bytes[at] = 0xFF
        expectReason(bytes) { if case .invalidString = $0 { true } else { false } }
    }

    @Test func tensorDataPastEndOfFile() {
        let bytes = sampleWriter().bytes()
        expectReason(Array(bytes.dropLast(40))) {
            if case .tensorPastEnd(let name, _, _) = $0 { name == "b.weight" } else { false }
        }
    }

    @Test func misalignedTensorOffset() {
        var bytes = sampleWriter().bytes()
        // b.weight's offset field is the 8 bytes after its type (uint32 8 = Q8_0).
        let at = offset(of: Array("b.weight".utf8), in: bytes) + 8 + 4 + 8 + 4
        bytes[at] = 33
        expectReason(bytes) { $0 == .misalignedTensor(tensor: "b.weight", offset: 33, alignment: 32) }
    }

    @Test func unknownTensorType() {
        var bytes = sampleWriter().bytes()
        let at = offset(of: Array("b.weight".utf8), in: bytes) + 8 + 4 + 8
        bytes[at] = 77
        expectReason(bytes) { $0 == .unknownTensorType(tensor: "b.weight", rawType: 77) }
    }

    @Test func zeroDimension() {
        var w = GGUFWriter()
        w.addTensor("z", dimensions: [0, 4], type: .f32, data: [])
        expectReason(w.bytes()) { if case .badDimensions(let name, _) = $0 { name == "z" } else { false } }
    }

    @Test func overflowingDimensions() {
        var w = GGUFWriter()
        w.addTensor("huge", dimensions: [1 << 30, 1 << 30, 1 << 30], type: .f32, data: [])
        expectReason(w.bytes()) { if case .badDimensions(let name, _) = $0 { name == "huge" } else { false } }
    }

    @Test func rowNotWholeBlocks() {
        var w = GGUFWriter()
        w.addTensor("q", dimensions: [33], type: .q8_0, data: [UInt8](repeating: 0, count: 40))
        expectReason(w.bytes()) { if case .badDimensions(let name, _) = $0 { name == "q" } else { false } }
    }

    @Test func duplicateKey() {
        var w = GGUFWriter()
        w.add("general.name", .string("a"))
        w.add("general.name", .string("b"))
        expectReason(w.bytes()) { $0 == .duplicateKey("general.name") }
    }

    @Test func duplicateTensor() {
        var w = GGUFWriter()
        w.addTensor("t", dimensions: [2], floats: [1, 2])
        w.addTensor("t", dimensions: [2], floats: [3, 4])
        expectReason(w.bytes()) { $0 == .duplicateTensor("t") }
    }

    @Test func overlappingTensors() {
        var w = GGUFWriter()
        w.addTensor("t1", dimensions: [16], floats: Array(repeating: 1, count: 16))
        w.addTensor("t2", dimensions: [2], floats: [3, 4])
        var bytes = w.bytes()
        // Point t2 at offset 32, inside t1's 64 bytes... t2 is already at 64; move it to 32.
        let at = offset(of: Array("t2".utf8), in: bytes) + 2 + 4 + 8 + 4
        bytes[at] = 32
        expectReason(bytes) { $0 == .overlappingTensors("t1", "t2") }
    }

    @Test func badAlignment() {
        var w = sampleWriter()
        w.add("general.alignment", .uint32(48))
        expectReason(w.bytes()) { $0 == .badAlignment(48) }
    }

    @Test func nestingTooDeep() {
        var value = GGUFValue.uint8(1)
        for _ in 0..<8 { value = .array([value]) }
        var w = GGUFWriter()
        w.add("deep", value)
        expectReason(w.bytes()) { $0 == .nestingTooDeep(key: "deep") }
    }

    @Test func missingFileAndDirectory() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        #expect(throws: GGUFError.self) { try GGUFFile(path: FileManager.default.temporaryDirectory.path) }
    }

    /// Issue 16 item 8: a FIFO with no writer is refused at once instead of blocking `open()`.
    /// Should the open block, the test opens the FIFO for writing after 5 s to release it, and
    /// fails.
    @Test func fifoWithoutWriterIsRefusedWithoutBlocking() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-fifo-\(UUID().uuidString)").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let finished = DispatchSemaphore(value: 0)
        let outcome = LockedBox<String?>(nil)
        Thread.detachNewThread {
            do {
                _ = try GGUFFile(path: fifo)
                outcome.set("opened")
            } catch {
                outcome.set("\(error)")
            }
            finished.signal()
        }
        if finished.wait(timeout: .now() + 5) == .timedOut {
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            finished.wait()
            if writer >= 0 { close(writer) }
            Issue.record("GGUFFile blocked opening a FIFO with no writer")
        }
        #expect(outcome.value == "\(fifo): cannot open: not a regular file (a FIFO)")
        unlink(fifo)
    }

    @Test func typedAccessorsNameTheKey() throws {
        let file = try GGUFFile(path: temporaryFile(sampleWriter().bytes()))
        #expect(throws: GGUFError(path: file.path, .missingKey("nope"))) { try file.int("nope") }
        #expect(throws: GGUFError(path: file.path, .wrongValueType(key: "names", expected: "an integer"))) {
            try file.int("names")
        }
        #expect(try file.optionalInt("nope") == nil)
        #expect(try file.string("general.architecture") == "llama")
    }

    @Test func typeTableMatchesGGML() {
        #expect(GGMLType.q4_1.blockSize == 32 && GGMLType.q4_1.bytesPerBlock == 20)
        #expect(GGMLType.q6_K.blockSize == 256 && GGMLType.q6_K.bytesPerBlock == 210)
        #expect(GGMLType.bf16.rawValue == 30 && GGMLType.q4_K.bytesPerBlock == 144)
        #expect(GGMLType.q8_0.byteCount(elements: 64) == 68)
        #expect(GGMLType.q8_0.byteCount(elements: 65) == nil)
    }
}

/// A value shared with a helper thread.
final class LockedBox<T>: @unchecked Sendable {
    // @unchecked Sendable: `stored` is only read and written under `lock`.
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    func set(_ value: T) {
        lock.lock()
        stored = value
        lock.unlock()
    }
    var value: T {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
