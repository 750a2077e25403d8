import Testing
import RooflineTokenizer

@Suite struct StreamingDecoderTests {
    @Test func splitMultibyteCharactersAreHeldBack() {
        var d = StreamingDecoder()
        let bytes = Array("a€😀b".utf8)  // 1 + 3 + 4 + 1 bytes
        var out = ""
        var pieces: [String] = []
        for b in bytes {
            let s = d.append([b])
            if !s.isEmpty { pieces.append(s) }
            out += s
        }
        out += d.flush()
        #expect(out == "a€😀b")
        #expect(pieces == ["a", "€", "😀", "b"])
    }

    @Test func invalidBytesAreRepairedAtFlush() {
        var d = StreamingDecoder()
        #expect(d.append([0x61, 0xE2, 0x82]) == "a")
        #expect(d.flush() == "\u{FFFD}")
    }
}
