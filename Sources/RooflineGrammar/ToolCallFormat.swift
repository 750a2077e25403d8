/// How a model family writes function calls, told from its chat template, and how to read them back:
/// - `hermes` (Qwen 2.5, Hermes, and others whose template mentions `<tool_call>`):
///   `<tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>`, one block per call;
/// - `mistral` (`[TOOL_CALLS]`): `[TOOL_CALLS][{"name": "f", "arguments": {...}}, ...]`;
/// - `llama3` (Llama 3.x templates, which describe a JSON reply): `{"name": "f", "parameters": {...}}`, optionally
///   after `<|python_tag|>`, several separated by `;`;
/// - `harmony` (gpt-oss, templates with `<|channel|>`): a message to `functions.NAME` on the commentary channel
///   (`Harmony`); every reply of such a model is read as channels, with or without tools.
public enum ToolCallFormat: String, Sendable {
    case hermes, mistral, llama3, harmony

    /// The format a chat template's source describes (nil: the template has no tool support Roofline reads).
    public static func detect(templateSource s: String) -> ToolCallFormat? {
        guard s.contains("tools") else { return nil }
        if s.contains("<|channel|>") && s.contains("<|message|>") { return .harmony }
        if s.contains("<tool_call>") { return .hermes }
        if s.contains("[TOOL_CALLS]") { return .mistral }
        if s.contains("<|python_tag|>") || (s.contains("<|start_header_id|>") && s.contains("parameters")) { return .llama3 }
        return nil
    }

    /// One call read from the model's text.
    public struct Call: Sendable, Equatable {
        public var name: String
        public var arguments: JSONValue
        public init(name: String, arguments: JSONValue) { self.name = name; self.arguments = arguments }
    }

    /// Texts that can open a call: streamed content is held back from where one begins.
    public var markers: [String] {
        switch self {
        case .hermes: return ["<tool_call>", "```json", "{\"name\""]
        case .mistral: return ["[TOOL_CALLS]"]
        case .llama3: return ["<|python_tag|>", "{\"name\""]
        case .harmony: return Harmony.markers
        }
    }

    /// The content before the first call and the calls (none when the text holds no well-formed call; then
    /// the whole text is content). With `names`, a Hermes-format model's bare JSON call (`{"name": ..., "arguments":
    /// ...}`, perhaps in a ```json fence, as Qwen2.5-Coder writes them) is read too when it names one of them.
    public func parse(_ text: String, names: Set<String> = []) -> (content: String, calls: [Call]) {
        if self == .harmony {
            let r = Harmony.read(text)
            return (r.content, r.calls)
        }
        if self == .hermes, !text.contains("<tool_call>"), !names.isEmpty { return bareCalls(text, names: names) }
        guard let start = start(of: text) else { return (text, []) }
        let content = String(text[..<start]).trimmingWhitespace
        var calls: [Call] = []
        var rest = text[start...]
        switch self {
        case .hermes:
            while let open = rest.range(of: "<tool_call>") {
                let body = rest[open.upperBound...]
                guard let (v, used) = JSONValue.parsePrefix(body), let call = Self.call(v, argumentsKey: "arguments") else { break }
                calls.append(call)
                let after = String(decoding: Array(body.utf8)[used...], as: UTF8.self).drop { $0 == " " || $0 == "\n" }
                rest = after.hasPrefix("</tool_call>") ? after.dropFirst("</tool_call>".count) : after
            }
        case .mistral:
            if let (v, _) = JSONValue.parsePrefix(rest.dropFirst("[TOOL_CALLS]".count)) {
                let items = v.arrayValue ?? [v]
                calls = items.compactMap { Self.call($0, argumentsKey: "arguments") }
                if calls.count != items.count { calls = [] }
            }
        case .llama3:
            var s = rest
            while let (v, used) = JSONValue.parsePrefix(s), let call = Self.call(v, argumentsKey: "parameters") ?? Self.call(v, argumentsKey: "arguments") {
                calls.append(call)
                s = Substring(String(decoding: Array(s.utf8)[used...], as: UTF8.self)).drop { $0 == " " || $0 == "\n" || $0 == ";" }
                if s.isEmpty { break }
            }
        case .harmony: break
        }
        return calls.isEmpty ? (text, []) : (content, calls)
    }

    /// Calls written as bare JSON objects, one after another, perhaps inside one ```json fence.
    private func bareCalls(_ text: String, names: Set<String>) -> (content: String, calls: [Call]) {
        guard let brace = text.firstIndex(of: "{") else { return (text, []) }
        var head = text[..<brace]
        var fenced = false
        if let fence = head.range(of: "```", options: .backwards), head[fence.upperBound...].allSatisfy({ $0.isLetter || $0.isWhitespace }) {
            head = head[..<fence.lowerBound]
            fenced = true
        }
        var calls: [Call] = []
        var rest = text[brace...]
        while let (v, used) = JSONValue.parsePrefix(rest), let call = Self.call(v, argumentsKey: "arguments"), names.contains(call.name) {
            calls.append(call)
            rest = Substring(String(decoding: Array(rest.utf8)[used...], as: UTF8.self)).drop { $0.isWhitespace }
            if !rest.hasPrefix("{") { break }
        }
        if fenced { rest = rest.hasPrefix("```") ? rest.dropFirst(3) : rest }
        // only when nothing but space follows: a JSON example inside prose is content, not a call
        guard !calls.isEmpty, rest.allSatisfy(\.isWhitespace) else { return (text, []) }
        return (String(head).trimmingWhitespace, calls)
    }

    private func start(of text: String) -> String.Index? {
        switch self {
        case .hermes: return text.range(of: "<tool_call>")?.lowerBound
        case .mistral: return text.range(of: "[TOOL_CALLS]")?.lowerBound
        case .llama3:
            if let tag = text.range(of: "<|python_tag|>") { return tag.upperBound }
            let t = text.drop { $0 == " " || $0 == "\n" }
            return t.hasPrefix("{") ? t.startIndex : nil
        case .harmony: return nil
        }
    }

    private static func call(_ v: JSONValue, argumentsKey: String) -> Call? {
        guard let name = v["name"]?.stringValue, !name.isEmpty else { return nil }
        var args = v[argumentsKey] ?? .object([])
        if case .string(let s) = args, let parsed = try? JSONValue.parse(s) { args = parsed }  // arguments written as a JSON string
        guard case .object = args else { return nil }
        return Call(name: name, arguments: args)
    }

    /// GBNF for output that is one call (or, with `parallel`, one or more) to one of `tools` (name and
    /// parameter schema; nil: any object), written in this format, its arguments valid for that tool's schema.
    public func gbnf(tools: [(name: String, parameters: JSONValue?)], parallel: Bool) throws -> String {
        guard !tools.isEmpty else { throw GrammarError("no tools to call") }
        var g = JSONSchemaGrammar(root: .null)
        var alternatives: [String] = []
        for (i, t) in tools.enumerated() {
            let args = try t.parameters.map { try g.add($0, name: "tool-\(i)-args") } ?? "object"
            let name = JSONSchemaGrammar.literal(JSONValue.quote(t.name))
            switch self {
            case .hermes, .mistral:
                alternatives.append("\"{\" space \"\\\"name\\\"\" space \":\" space \(name) space \",\" space \"\\\"arguments\\\"\" space \":\" space \(args) \"}\"")
            case .llama3:
                alternatives.append("\"{\" space \"\\\"name\\\"\" space \":\" space \(name) space \",\" space \"\\\"parameters\\\"\" space \":\" space \(args) \"}\"")
            case .harmony:
                // the whole header, then the arguments as the message; `<|call|>` (end of generation) follows
                let header = JSONSchemaGrammar.literal("<|channel|>commentary to=functions.\(t.name) <|constrain|>json<|message|>")
                alternatives.append("\(header) \(args)")
            }
        }
        let call = "( " + alternatives.joined(separator: " | ") + " )"
        let root: String
        switch self {
        case .hermes:
            let one = "\"<tool_call>\\n\" \(call) \"\\n</tool_call>\""
            root = parallel ? "\(one) ( \"\\n\" \(one) )*" : one
        case .mistral:
            root = "\"[TOOL_CALLS][\" \(call) " + (parallel ? "( \",\" space \(call) )* " : "") + "\"]\""
        case .llama3:
            root = parallel ? "\(call) ( \";\" space \(call) )*" : call
        case .harmony:
            root = call  // one call per reply: `<|call|>` ends the generation after it
        }
        let all = g  // after every add
        return all.rules(root: root)
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
