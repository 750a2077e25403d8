import Foundation
import RooflineAPI
import RooflineGrammar

/// A chat request's tool use as the handler carries it: the model's call format, the constraint for a
/// required or named choice, and the reading of replies into OpenAI's `tool_calls`.
struct ToolContext: Sendable {
    let format: ToolCallFormat
    let grammar: Grammar?
    let names: Set<String>

    /// A reply read back: its content (nil when it is only calls) and its calls in OpenAI's shape.
    func read(_ text: String) -> (content: String?, calls: [[String: Any]]) {
        let (content, calls) = format.parse(text, names: names)
        guard !calls.isEmpty else { return (text, []) }
        return (content.isEmpty ? nil : content, calls.map(Self.openAI))
    }

    static func openAI(_ c: ToolCallFormat.Call) -> [String: Any] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let id = "call_" + String((0..<24).map { _ in alphabet.randomElement()! })
        return ["id": id, "type": "function", "function": ["name": c.name, "arguments": c.arguments.jsonText]]
    }
}

/// Streamed content of one choice while tools may be called: text is passed on until one of the format's
/// markers could be starting, and from a marker on it is held, to be read as calls when the choice ends.
struct ToolStreamHold {
    let markers: [String]
    private(set) var all = ""
    private var shown = 0  // characters of `all` passed on
    private var holding = false

    init(markers: [String]) { self.markers = markers }

    /// Takes new text; returns what may be shown now.
    mutating func take(_ text: String) -> String {
        all += text
        if holding { return "" }
        let pending = all.dropFirst(shown)
        if let r = markers.compactMap({ pending.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            holding = true
            let out = String(pending[..<r.lowerBound])
            shown += out.count
            return out
        }
        // hold back a tail that could be a marker's beginning
        var keep = 0
        for m in markers {
            for k in stride(from: min(m.count - 1, pending.count), to: keep, by: -1) where pending.hasSuffix(m.prefix(k)) { keep = k; break }
        }
        let out = String(pending.dropLast(keep))
        shown += out.count
        return out
    }

    /// At the end: the text not yet shown.
    var rest: String { String(all.dropFirst(shown)) }
}
