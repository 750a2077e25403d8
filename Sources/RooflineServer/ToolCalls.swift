import Foundation
import RooflineAPI
import RooflineGrammar

/// A chat request's tool use as the handler carries it: the model's call format, the constraint for a
/// required or named choice, and the reading of replies into content and calls. A harmony-format model
/// (gpt-oss) has one for every request, tools or not: its replies are read as channels.
struct ToolContext: Sendable {
    let format: ToolCallFormat
    let grammar: Grammar?
    let names: Set<String>
    /// Whether calls are read back (false: a harmony model's request without tools, or with `tool_choice: none`).
    var callsAllowed = true

    /// A reply read back: its content (nil when it is only calls), its calls, and its reasoning (a harmony
    /// model's analysis channel; nil when there is none).
    func read(_ text: String) -> (content: String?, calls: [ReplyCall], reasoning: String?) {
        if format == .harmony {
            let r = Harmony.read(text)
            let calls = callsAllowed ? r.calls.map(ReplyCall.init) : []
            return (r.content.isEmpty && !calls.isEmpty ? nil : r.content, calls, r.reasoning.isEmpty ? nil : r.reasoning)
        }
        let (content, calls) = format.parse(text, names: names)
        guard !calls.isEmpty else { return (text, [], nil) }
        return (content.isEmpty ? nil : content, calls.map(ReplyCall.init), nil)
    }
}

/// A call read from a reply, with the id its result is sent back under (`call_` and 24 random characters;
/// Anthropic's `toolu_` id and the Responses API's `call_id` are made from it).
struct ReplyCall: Sendable {
    let id: String
    let name: String
    let arguments: JSONValue
    /// The arguments as JSON text, as OpenAI's `arguments` carries them.
    var argumentsText: String { arguments.jsonText }

    init(_ c: ToolCallFormat.Call) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        id = "call_" + String((0..<24).map { _ in alphabet.randomElement()! })
        name = c.name
        arguments = c.arguments
    }
}

/// Streamed content of one choice while tools may be called: text is passed on until one of the format's
/// markers could be starting, and from a marker on it is held, to be read as calls when the choice ends. A
/// harmony reply is split as it arrives instead: final-channel text is passed on, analysis text kept for
/// `takeReasoning`, calls read at the end.
struct ToolStreamHold {
    let markers: [String]
    private var text = ""  // what arrived, for the formats read by markers (a harmony splitter keeps its own)
    /// All the text that arrived.
    var all: String { harmony?.all ?? text }
    private var shown = 0  // characters of `text` passed on
    private var holding = false
    private var harmony: Harmony.Stream?
    private var reasoning = ""

    init(format: ToolCallFormat) {
        markers = format.markers
        harmony = format == .harmony ? Harmony.Stream() : nil
    }

    /// Takes new text; returns what may be shown now.
    mutating func take(_ text: String) -> String {
        if harmony != nil {
            let (c, r) = harmony!.take(text)
            reasoning += r
            return c
        }
        self.text += text
        if holding { return "" }
        let pending = self.text.dropFirst(shown)
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

    /// Reasoning text that arrived since the last call (a harmony reply's analysis channel).
    mutating func takeReasoning() -> String {
        defer { reasoning = "" }
        return reasoning
    }

    /// At the end: the content not yet shown (and, for harmony, the reasoning held back). Held text that was
    /// read as calls (`hasCalls`) is not content.
    mutating func finish(hasCalls: Bool) -> String {
        if harmony != nil {
            let (c, r) = harmony!.finish()
            reasoning += r
            return c
        }
        defer { shown = text.count }
        return hasCalls ? "" : String(text.dropFirst(shown))
    }
}
