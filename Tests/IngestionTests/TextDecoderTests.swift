import Testing

@testable import Ingestion

@Suite struct TextDecoderTests {
    func decode(_ bytes: [UInt8], _ declared: String? = nil) -> (String, String) {
        let d = TextDecoder.decode(bytes, declared: declared)
        return (String(decoding: d.utf8, as: UTF8.self), d.encoding)
    }

    @Test func byteOrderMarks() {
        #expect(decode([0xEF, 0xBB, 0xBF] + Array("café".utf8)) == ("café", "UTF-8"))
        #expect(decode([0xFF, 0xFE, 0x63, 0x00, 0xE9, 0x00]) == ("cé", "UTF-16LE"))
        #expect(decode([0xFE, 0xFF, 0x00, 0x63, 0x00, 0xE9]) == ("cé", "UTF-16BE"))
        // A BOM beats a contradicting label.
        #expect(decode([0xFF, 0xFE, 0x41, 0x00], "iso-8859-1") == ("A", "UTF-16LE"))
    }

    @Test func utf16WithoutBOMIsSniffed() {
        let le = Array("Hello, world".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(decode(le) == ("Hello, world", "UTF-16LE"))
        let be = Array("Hello, world".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(decode(be) == ("Hello, world", "UTF-16BE"))
    }

    @Test func invalidUTF8FallsBackToWindows1252() {
        #expect(decode([0x63, 0x61, 0x66, 0xE9]) == ("café", "windows-1252"))
        #expect(decode([0x93, 0x71, 0x94, 0x80]) == ("\u{201C}q\u{201D}€", "windows-1252"))
        // Under a UTF-8 label too: the bytes contradict it.
        #expect(decode([0x63, 0x61, 0x66, 0xE9], "utf-8") == ("café", "windows-1252"))
    }

    @Test func validUTF8UnderALatin1LabelIsUTF8() {
        #expect(decode(Array("café".utf8), "iso-8859-1") == ("café", "UTF-8"))
        #expect(decode(Array("cafe".utf8), "iso-8859-1") == ("cafe", "UTF-8"))
        #expect(decode(Array("naïve".utf8), "koi8-r") == ("naïve", "UTF-8"))
    }

    @Test func mixedBytesDecodeEachPartSensibly() {
        #expect(decode(Array("é".utf8) + [0x20, 0xE9, 0x20, 0x41]) == ("é é A", "UTF-8+windows-1252"))
        // A lone lead byte at the very end of Latin-1 text is a character, not a cut sequence.
        #expect(decode(Array("caf".utf8) + [0xE9]) == ("café", "windows-1252"))
    }

    @Test func truncatedSequenceAtTheEndIsDropped() {
        #expect(decode(Array("café ".utf8) + [0xE2, 0x80]) == ("café ", "UTF-8"))
        // Not at the end: an invalid byte, read as Windows-1252.
        #expect(decode([0xE2, 0x41]) == ("âA", "windows-1252"))
    }

    @Test func nulBytesAreRemoved() {
        #expect(decode([0x61, 0x00, 0x62, 0x00, 0x00, 0x63]).0 == "abc")
        #expect(decode([0x61, 0x00, 0xE9]).0 == "aé")
    }

    @Test func otherCharsetsViaIconv() {
        #expect(decode([0xB1], "iso-8859-2") == ("\u{0105}", "iso-8859-2"))
        #expect(decode([0xC1, 0xC2], "koi8-r") == ("аб", "koi8-r"))
        // Unknown charset: the UTF-8/Windows-1252 rule.
        #expect(decode(Array("ok".utf8), "x-no-such-charset") == ("ok", "UTF-8"))
    }

    @Test func windows1252TableMatchesWHATWG() {
        #expect(Windows1252.scalar(of: 0x80) == 0x20AC)
        #expect(Windows1252.scalar(of: 0x9F) == 0x0178)
        #expect(Windows1252.scalar(of: 0x81) == 0x0081)
        #expect(Windows1252.scalar(of: 0xE9) == 0x00E9)
    }
}
