import Foundation
import Testing

@testable import BatchPipeline

/// SHA-256 against FIPS 180-4's examples (NIST "Example Algorithms", SHA256.pdf) and against
/// coreutils' `sha256sum` on messages of every length around the block and padding boundaries.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func fipsExamples(_ message: String, _ digest: String) {
        #expect(SHA256.hex(message) == digest)
    }

    @Test func oneMillionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(SHA256.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths 0…200 cover messages whose padding fits in the last block (≤ 55 bytes over a
    /// multiple of 64) and those that need one more; each is fed in uneven pieces.
    @Test func matchesSha256sumAtEveryLength() throws {
        var generator = SystemRandomNumberGenerator()
        let folder = NSTemporaryDirectory() + "easykv-sha-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var messages: [[UInt8]] = []
        for length in 0...200 {
            messages.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        for (k, message) in messages.enumerated() {
            try Data(message).write(to: URL(fileURLWithPath: folder + "/m\(k)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = messages.indices.map { folder + "/m\($0)" }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = output.split(separator: "\n").map { String($0.prefix(64)) }
        try #require(expected.count == messages.count)
        for (k, message) in messages.enumerated() {
            var hasher = SHA256()
            var offset = 0
            var piece = 1
            while offset < message.count {
                let end = min(message.count, offset + piece)
                hasher.update(Array(message[offset..<end]))
                offset = end
                piece = piece * 3 % 71 + 1
            }
            #expect(SHA256.hex(hasher.finalize()) == expected[k], "length \(message.count)")
        }
    }
}
