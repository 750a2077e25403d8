import Testing
import RooflineEngine

@Suite struct StopStringFilterTests {
    func run(_ pieces: [String], stops: [String]) -> (shown: [String], text: String, stopped: Bool) {
        var f = StopStringFilter(stops: stops)
        var shown: [String] = []
        for p in pieces where !f.stopped {
            let s = f.append(p)
            if !s.isEmpty { shown.append(s) }
        }
        let rest = f.finish()
        if !rest.isEmpty { shown.append(rest) }
        return (shown, f.text, f.stopped)
    }

    @Test func stopsBeforeTheStopStringAcrossPieces() {
        let r = run(["Hello", " wor", "ld<|", "end|> more"], stops: ["<|end|>"])
        #expect(r.text == "Hello world")
        #expect(r.stopped)
        #expect(r.shown.joined() == "Hello world")
        #expect(!r.shown.contains { $0.contains("<") }, "a possible stop prefix is never shown")
    }

    @Test func heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        let r = run(["a<", "|x"], stops: ["<|end|>"])
        #expect(r.shown == ["a", "<|x"])
        #expect(!r.stopped)
    }

    @Test func combiningMarksAreNeverLost() {
        let r = run(["cafe", "\u{301}", " ok"], stops: [])
        #expect(r.shown.joined() == "cafe\u{301} ok")
        #expect(r.shown.count == 3)
    }

    @Test func earliestOfSeveralStopsWins() {
        let r = run(["one two three"], stops: ["three", "two"])
        #expect(r.text == "one ")
    }
}
