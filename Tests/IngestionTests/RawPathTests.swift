import Testing

@testable import Ingestion

@Suite struct RawPathTests {
    @Test func escapesOnlyTheBytesThatAreNotUTF8() {
        #expect(RawPath("plain/é.txt").escaped == "plain/é.txt")
        #expect(RawPath(bytes: Array("caf".utf8) + [0xE9] + Array(".txt".utf8)).escaped == "caf\\xe9.txt")
        #expect(RawPath(bytes: [0xFF, 0x41, 0xC3, 0xA9, 0xC3]).escaped == "\\xffAé\\xc3")
        // An overlong encoding of "/" and a UTF-16 surrogate are not UTF-8 either.
        #expect(RawPath(bytes: [0xC0, 0xAF]).escaped == "\\xc0\\xaf")
        #expect(RawPath(bytes: [0xED, 0xA0, 0x80]).escaped == "\\xed\\xa0\\x80")
        #expect(RawPath(bytes: [0x01]).escaped == "\u{01}")
    }

    @Test func appendsWithOneSlash() {
        #expect(RawPath(bytes: []).appending(RawPath("a")) == RawPath("a"))
        #expect(RawPath("a").appending(RawPath(bytes: [0xFF])).bytes == [0x61, 0x2F, 0xFF])
    }
}
