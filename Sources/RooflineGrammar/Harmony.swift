/// gpt-oss's harmony format, as a reply reaches the text: the prompt ends with `<|start|>assistant`, and the model
/// writes messages such as
/// `<|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final<|message|>…<|return|>`, or a call
/// `<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Paris"}<|call|>` (the
/// recipient may also follow the role: `<|start|>assistant to=functions.f<|channel|>commentary json<|message|>…`).
/// `<|channel|>`, `<|message|>`, `<|start|>` and `<|constrain|>` are rendered (llama.cpp's rule for this
/// vocabulary); `<|end|>`, `<|call|>` and `<|return|>` are control tokens that do not reach the text, so a message
/// ends where the next `<|start|>` begins (or at one of them, when a client's text carries it).
public enum Harmony {
    /// One message of a reply.
    public struct Message: Sendable, Equatable {
        /// `analysis`, `commentary`, `final`, or "" when the text carries no header (a reply not in this format).
        public var channel: String
        /// `functions.NAME` for a call, nil otherwise.
        public var recipient: String?
        public var body: String
        /// Whether the header ended (`<|message|>` was seen); the body of an incomplete message is empty.
        public var headerComplete: Bool

        public init(channel: String, recipient: String?, body: String, headerComplete: Bool) {
            self.channel = channel
            self.recipient = recipient
            self.body = body
            self.headerComplete = headerComplete
        }

        /// The function a message calls (`to=functions.NAME`), if it is a call.
        public var functionName: String? {
            guard let r = recipient, r.hasPrefix("functions."), r.count > "functions.".count else { return nil }
            return String(r.dropFirst("functions.".count))
        }

        /// Whether the body is text the user reads: the final answer, or a commentary preamble with no recipient.
        public var isContent: Bool { channel == "final" || channel == "" || (channel == "commentary" && recipient == nil) }
    }

    static let start = "<|start|>", channel = "<|channel|>", message = "<|message|>"
    /// Markers that may close a message when a text carries them.
    static let closers = ["<|end|>", "<|call|>", "<|return|>"]
    /// Every marker, for holding back a streamed tail that could be the beginning of one.
    static let markers = [start, channel, message, "<|constrain|>"] + closers

    /// The messages of a reply, in order.
    public static func messages(_ text: String) -> [Message] {
        var out: [Message] = []
        var segments = text.components(separatedBy: start)
        let first = segments.removeFirst()
        out.append(contentsOf: parse(segment: first, afterStart: false))
        for s in segments { out.append(contentsOf: parse(segment: s, afterStart: true)) }
        return out
    }

    /// One segment between `<|start|>`s. After a `<|start|>` it opens with a role (`assistant`, perhaps
    /// ` to=…`); the reply's first segment continues the prompt's `<|start|>assistant`. Text before any header in
    /// the first segment is plain content (a reply that does not use the format).
    static func parse(segment s: String, afterStart: Bool) -> [Message] {
        guard !s.isEmpty else { return [] }
        let headerEnd = s.range(of: message)
        let firstChannel = s.range(of: channel)
        var header: Substring
        var plain: Message? = nil
        if let h = headerEnd {
            header = s[..<h.lowerBound]
        } else {
            header = s[...]
        }
        if !afterStart {
            // where a header could begin: a channel marker, or a recipient right after the prompt's role
            let trimmed = header.drop { $0 == " " }
            if !trimmed.hasPrefix("to=") {
                let cut = [firstChannel?.lowerBound, headerEnd?.lowerBound].compactMap { $0 }.min()
                let prefix = cut.map { s[..<$0] } ?? s[...]
                if cut == nil { return [Message(channel: "", recipient: nil, body: stripClosers(s[...]), headerComplete: true)] }
                if !prefix.isEmpty { plain = Message(channel: "", recipient: nil, body: stripClosers(prefix), headerComplete: true) }
                header = header[cut!...]
            }
        }
        var m = Message(channel: "", recipient: nil, body: "", headerComplete: headerEnd != nil)
        if let c = header.range(of: channel) {
            m.channel = String(header[c.upperBound...].prefix { $0 != " " && $0 != "<" })
        }
        if let t = header.range(of: "to=") {
            let r = header[t.upperBound...].prefix { $0 != " " && $0 != "<" }
            if !r.isEmpty { m.recipient = String(r) }
        }
        if let h = headerEnd { m.body = stripClosers(s[h.upperBound...]) }
        return [plain, m].compactMap { $0 }
    }

    /// A body without a closing marker (and anything after it) that a client's text may carry.
    static func stripClosers(_ s: Substring) -> String {
        var end = s.endIndex
        for c in closers { if let r = s.range(of: c), r.lowerBound < end { end = r.lowerBound } }
        return String(s[..<end])
    }

    /// A reply read as OpenAI reads it: the content (final answers and preambles), the reasoning (analysis), and
    /// the calls (a message to `functions.NAME` whose body is a JSON object; one that is not stays content).
    public static func read(_ text: String) -> (content: String, reasoning: String, calls: [ToolCallFormat.Call]) {
        split(messages(text), closed: true)
    }

    /// Content, reasoning and calls of `ms` in order. A call whose body is not a JSON object is content, which is
    /// known only once its message is `closed` (until then the call counts as nothing).
    static func split(_ ms: [Message], closed: Bool) -> (content: String, reasoning: String, calls: [ToolCallFormat.Call]) {
        var content = "", reasoning = "", calls: [ToolCallFormat.Call] = []
        for m in ms where m.headerComplete {
            if let name = m.functionName {
                guard closed else { continue }
                if let v = try? JSONValue.parse(m.body), case .object = v {
                    calls.append(.init(name: name, arguments: v))
                } else {
                    content += m.body
                }
            } else if m.channel == "analysis" {
                reasoning += m.body
            } else if m.isContent {
                content += m.body
            }
        }
        return (content, reasoning, calls)
    }

    /// A streamed reply split as it arrives: each `take` returns the new content and reasoning text. Complete
    /// segments are read once; only the last one (after the last `<|start|>`) is read again as text arrives, and a
    /// tail that could begin a marker is held until it is known.
    public struct Stream: Sendable {
        public private(set) var all = ""
        private var settled = 0  // UTF-8 offset in `all` of the last segment's start
        private var settledContent = "", settledReasoning = ""
        private var shownContent = 0, shownReasoning = 0  // characters passed on

        public init() {}

        public mutating func take(_ text: String) -> (content: String, reasoning: String) {
            all += text
            return emit(final: false)
        }

        /// At the end: whatever was held back.
        public mutating func finish() -> (content: String, reasoning: String) { emit(final: true) }

        private mutating func emit(final: Bool) -> (content: String, reasoning: String) {
            var visible = Substring(all)
            if !final {
                var keep = 0
                for m in Harmony.markers {
                    for k in stride(from: min(m.count - 1, visible.count), to: keep, by: -1) where visible.hasSuffix(m.prefix(k)) { keep = k; break }
                }
                visible = visible.dropLast(keep)
            }
            // segments closed by a later <|start|> are read once
            var from = all.utf8.index(all.startIndex, offsetBy: settled)
            while from <= visible.endIndex, let r = visible[from...].range(of: Harmony.start) {
                let (c, rs, _) = Harmony.split(Harmony.parse(segment: String(visible[from..<r.lowerBound]), afterStart: settled > 0), closed: true)
                settledContent += c
                settledReasoning += rs
                settled = all.utf8.distance(from: all.startIndex, to: r.upperBound)
                from = r.upperBound
            }
            let tail = from <= visible.endIndex ? String(visible[from...]) : ""
            let (c, rs, _) = Harmony.split(Harmony.parse(segment: tail, afterStart: settled > 0), closed: final)
            let content = settledContent + c, reasoning = settledReasoning + rs
            let newContent = content.count > shownContent ? String(content.dropFirst(shownContent)) : ""
            let newReasoning = reasoning.count > shownReasoning ? String(reasoning.dropFirst(shownReasoning)) : ""
            shownContent = max(shownContent, content.count)
            shownReasoning = max(shownReasoning, reasoning.count)
            return (newContent, newReasoning)
        }
    }
}
