/// Accumulates generated text and decides what can be shown: text is held back while it could still be the
/// start of a stop string, and generation ends before the first stop string. Offsets are Unicode scalars,
/// which only ever grow on append (a combining mark that merges into the previous Character is still shown).
public struct StopStringFilter: Sendable {
    public let stops: [String]
    /// Everything generated so far, cut before the stop string once one appears.
    public private(set) var text = ""
    public private(set) var stopped = false
    /// The stop string that ended the text, once one has.
    public private(set) var matched: String?
    private var emitted = 0  // scalars of `text` already returned

    public init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds a piece of generated text; returns what may be shown now.
    public mutating func append(_ piece: String) -> String {
        guard !stopped else { return "" }
        text += piece
        if let (cut, stop) = firstStop() {
            text = String(text[..<cut])
            matched = stop
            stopped = true
            return drain(upTo: text.unicodeScalars.count)
        }
        return drain(upTo: text.unicodeScalars.count - heldBack())
    }

    /// Everything not yet shown (at the end of generation).
    public mutating func finish() -> String { drain(upTo: text.unicodeScalars.count) }

    private mutating func drain(upTo end: Int) -> String {
        guard end > emitted else { return "" }
        let s = text.unicodeScalars
        let out = String(s[s.index(s.startIndex, offsetBy: emitted)..<s.index(s.startIndex, offsetBy: end)])
        emitted = end
        return out
    }

    private func firstStop() -> (String.Index, String)? {
        var best: (String.Index, String)?
        for s in stops {
            if let r = text.range(of: s), best.map({ r.lowerBound < $0.0 }) ?? true { best = (r.lowerBound, s) }
        }
        return best
    }

    /// How many trailing scalars could still grow into a stop string.
    private func heldBack() -> Int {
        var hold = 0
        let t = Array(text.unicodeScalars.suffix(stops.map { $0.unicodeScalars.count }.max() ?? 0))
        for s in stops {
            let sv = Array(s.unicodeScalars)
            for n in stride(from: min(sv.count - 1, t.count), to: 0, by: -1) where t[(t.count - n)...].elementsEqual(sv[..<n]) {
                hold = max(hold, n)
                break
            }
        }
        return hold
    }
}

#if canImport(Foundation)
import Foundation
#endif
