import RooflineGrammar
import Foundation
import RooflineSampling
import RooflineTokenizer

/// `stop`: a string or a list of strings.
public struct StopList: Decodable {
    public let values: [String]
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { values = [s]; return }
        values = try c.decode([String].self)
    }
}

/// A message's `content`: a string, a list of parts (`{"type": "text", "text": ...}`), or null.
public struct MessageContent: Decodable {
    public let text: String
    struct Part: Decodable {
        let type: String
        let text: String?
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { text = ""; return }
        if let s = try? c.decode(String.self) { text = s; return }
        let parts = try c.decode([Part].self)
        var out = ""
        for (i, p) in parts.enumerated() {
            guard p.type == "text", let t = p.text else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [IndexKey(i)],
                                                        debugDescription: "only text content parts are supported (got type '\(p.type)')"))
            }
            out += t
        }
        text = out
    }
}

struct IndexKey: CodingKey {
    public let intValue: Int?
    public let stringValue: String
    init(_ i: Int) { intValue = i; stringValue = "\(i)" }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { return nil }
}

/// A completions `prompt`: a string, a list of one string, or token ids.
public enum PromptInput: Decodable {
    case text(String)
    case tokens([Int32])
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .text(s); return }
        if let t = try? c.decode([Int32].self) { self = .tokens(t); return }
        if let l = try? c.decode([String].self) {
            guard l.count == 1 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a list of \(l.count) prompts is not supported; send one prompt per request"))
            }
            self = .text(l[0]); return
        }
        if let l = try? c.decode([[Int32]].self), l.count == 1 { self = .tokens(l[0]); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a string or a list of token ids"))
    }
}

public struct StreamOptions: Decodable {
    public let include_usage: Bool?
}

/// The sampling and length fields chat and completions share (OpenAI's, plus llama.cpp's top_k, min_p,
/// repeat_penalty and ignore_eos, and Roofline's `speculative`: false opts out of a server's --lookup).
public struct SamplingFields: Decodable {
    public let model: String?
    public let max_tokens: Int?
    public let max_completion_tokens: Int?
    public let temperature: Double?
    public let top_p: Double?
    public let top_k: Int?
    public let min_p: Double?
    public let repeat_penalty: Double?
    public let ignore_eos: Bool?
    public let speculative: Bool?
    public let seed: Int64?
    public let stop: StopList?
    public let n: Int?
    public let stream: Bool?
    public let stream_options: StreamOptions?
    public let presence_penalty: Double?
    public let frequency_penalty: Double?
    public let logprobs: LogprobsField?
    public let top_logprobs: Int?
    /// Structured outputs: OpenAI's `response_format`, llama.cpp's `grammar` (GBNF) and `json_schema`.
    public let response_format: ResponseFormat?
    public let grammar: String?
    public let json_schema: JSONValue?

    enum CodingKeys: String, CodingKey {
        case model, max_tokens, max_completion_tokens, temperature, top_p, top_k, min_p, repeat_penalty, ignore_eos, speculative, seed, stop, n
        case stream, stream_options, presence_penalty, frequency_penalty, logprobs, top_logprobs, response_format, grammar, json_schema
    }

    /// `{"type": "text" | "json_object" | "json_schema", "json_schema": {"name", "schema", "strict"}}`.
    public struct ResponseFormat: Decodable, Sendable {
        public let type: String
        public let json_schema: SchemaField?
        public struct SchemaField: Decodable, Sendable {
            public let name: String?
            public let schema: JSONValue?
            public let strict: Bool?
        }
    }

    /// The grammar the request asks for, compiled (nil: unconstrained). At most one of the three fields.
    public func compiledGrammar() throws(RequestError) -> Grammar? {
        let asked = [response_format.map { _ in "response_format" }, grammar.map { _ in "grammar" }, json_schema.map { _ in "json_schema" }].compactMap { $0 }
        guard asked.count <= 1 else { throw .badParameter(asked[1], "give only one of response_format, grammar and json_schema (got \(asked.joined(separator: " and ")))") }
        do {
            if let g = grammar {
                guard g.utf8.count <= 1 << 20 else { throw RequestError.badParameter("grammar", "the grammar is longer than 1 MiB") }
                return try Grammar(gbnf: g)
            }
            if let s = json_schema { return try JSONSchemaGrammar.grammar(schema: s) }
            guard let f = response_format else { return nil }
            switch f.type {
            case "text": return nil
            case "json_object": return try Grammar(gbnf: JSONSchemaGrammar.anyObject)
            case "json_schema":
                guard let schema = f.json_schema?.schema else {
                    throw RequestError.badParameter("response_format.json_schema.schema", "response_format of type json_schema needs json_schema.schema")
                }
                return try JSONSchemaGrammar.grammar(schema: schema)
            default:
                throw RequestError.badParameter("response_format.type", "response_format.type must be text, json_object or json_schema (got '\(f.type)')")
            }
        } catch let e as RequestError {
            throw e
        } catch {
            throw .badParameter(asked.first ?? "response_format", "\(error)")
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        max_tokens = try c.decodeInteger(Int.self, forKey: .max_tokens)
        max_completion_tokens = try c.decodeInteger(Int.self, forKey: .max_completion_tokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        top_p = try c.decodeIfPresent(Double.self, forKey: .top_p)
        top_k = try c.decodeInteger(Int.self, forKey: .top_k)
        min_p = try c.decodeIfPresent(Double.self, forKey: .min_p)
        repeat_penalty = try c.decodeIfPresent(Double.self, forKey: .repeat_penalty)
        ignore_eos = try c.decodeIfPresent(Bool.self, forKey: .ignore_eos)
        speculative = try c.decodeIfPresent(Bool.self, forKey: .speculative)
        seed = try c.decodeInteger(Int64.self, forKey: .seed)
        stop = try c.decodeIfPresent(StopList.self, forKey: .stop)
        n = try c.decodeInteger(Int.self, forKey: .n)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        stream_options = try c.decodeIfPresent(StreamOptions.self, forKey: .stream_options)
        presence_penalty = try c.decodeIfPresent(Double.self, forKey: .presence_penalty)
        frequency_penalty = try c.decodeIfPresent(Double.self, forKey: .frequency_penalty)
        logprobs = try c.decodeIfPresent(LogprobsField.self, forKey: .logprobs)
        top_logprobs = try c.decodeInteger(Int.self, forKey: .top_logprobs)
        response_format = try c.decodeIfPresent(ResponseFormat.self, forKey: .response_format)
        grammar = try c.decodeIfPresent(String.self, forKey: .grammar)
        json_schema = try c.decodeIfPresent(JSONValue.self, forKey: .json_schema)
    }

    /// `logprobs` is a boolean in chat (with `top_logprobs` alternatives) and an integer in completions (the
    /// number of alternatives; 0 gives the chosen token's alone).
    public struct LogprobsField: Decodable {
        public let wanted: Bool
        /// The completions form's count.
        public let count: Int?
        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                wanted = b
                count = nil
            } else if let n = try? c.decode(Int.self) {
                wanted = true
                count = n
            } else {
                throw DecodingError.typeMismatch(Bool.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a boolean or an integer"))
            }
        }
    }

    /// Alternatives per token when log-probabilities are wanted (nil: not wanted).
    func logprobCount() throws(RequestError) -> Int? {
        if let n = logprobs?.count {
            guard (0...20).contains(n) else { throw .badParameter("logprobs", "logprobs must be between 0 and 20 (got \(n))") }
            return n
        }
        if let k = top_logprobs {
            guard (0...20).contains(k) else { throw .badParameter("top_logprobs", "top_logprobs must be between 0 and 20 (got \(k))") }
            guard logprobs?.wanted == true else { throw .badParameter("top_logprobs", "top_logprobs needs logprobs: true") }
            return k
        }
        return logprobs?.wanted == true ? 0 : nil
    }

    /// Checks ranges and gives the generation settings. Defaults follow llama.cpp's server (temperature 0.8,
    /// top-k 40, top-p 0.95, min-p 0.05); a missing seed draws a random one.
    public func options(maxParallel: Int) throws(RequestError) -> RequestOptions {
        func check(_ ok: Bool, _ param: String, _ message: String) throws(RequestError) {
            if !ok { throw .badParameter(param, message) }
        }
        if let t = temperature { try check(t.isFinite && t >= 0 && t <= 2, "temperature", "temperature must be between 0 and 2 (got \(t))") }
        if let p = top_p { try check(p.isFinite && p >= 0 && p <= 1, "top_p", "top_p must be between 0 and 1 (got \(p))") }
        if let k = top_k { try check(k >= 0, "top_k", "top_k must be 0 (off) or more (got \(k))") }
        if let m = min_p { try check(m.isFinite && m >= 0 && m <= 1, "min_p", "min_p must be between 0 and 1 (got \(m))") }
        if let r = repeat_penalty { try check(r.isFinite && r > 0, "repeat_penalty", "repeat_penalty must be positive (got \(r))") }
        let limit = max_completion_tokens ?? max_tokens
        let limitName = max_completion_tokens != nil ? "max_completion_tokens" : "max_tokens"
        if let l = limit { try check(l >= 1, limitName, "\(limitName) must be at least 1 (got \(l))") }
        let n = self.n ?? 1
        try check(n >= 1 && n <= maxParallel, "n", "n must be between 1 and \(maxParallel), the server's parallel slots (got \(n))")
        for (name, v) in [("presence_penalty", presence_penalty), ("frequency_penalty", frequency_penalty)] {
            guard let v else { continue }
            try check(v.isFinite && v >= -2 && v <= 2, name, "\(name) must be between -2 and 2 (got \(v))")
        }
        let logprobCount = try logprobCount()
        if let stops = stop?.values { try check(stops.count <= 16, "stop", "at most 16 stop strings are allowed (got \(stops.count))") }
        if stream_options != nil { try check(stream == true, "stream_options", "stream_options is only allowed with stream: true") }

        var sampling = SamplingParameters(temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, seed: UInt64.random(in: 0...UInt64.max))
        if let t = temperature { sampling.temperature = Float(t) }
        // A top_p too small for a Float (1e-300) keeps only the best token, as 0 does.
        if let p = top_p { sampling.topP = Float(p) == 0 ? Float.leastNonzeroMagnitude : Float(p) }
        if let k = top_k { sampling.topK = k }
        if let m = min_p { sampling.minP = Float(m) }
        if let r = repeat_penalty { sampling.repetitionPenalty = Float(r) }
        if let f = frequency_penalty { sampling.frequencyPenalty = Float(f) }
        if let pp = presence_penalty { sampling.presencePenalty = Float(pp) }
        if let s = seed { sampling.seed = UInt64(bitPattern: s) }
        var options = RequestOptions(maxTokens: limit ?? Int.max, sampling: sampling, stop: stop?.values ?? [], ignoreEOS: ignore_eos ?? false, n: n, logprobs: logprobCount)
        options.grammar = try compiledGrammar()
        options.speculative = speculative ?? true
        return options
    }
}

public struct ChatRequestMessage: Decodable {
    public let role: String
    public let content: MessageContent?
    public let tool_calls: [ToolCallField]?
    public let tool_call_id: String?
    public let name: String?

    /// An assistant message's call: `{"id", "type": "function", "function": {"name", "arguments"}}`, the
    /// arguments a JSON string (as OpenAI sends them) or an object.
    public struct ToolCallField: Decodable {
        public let id: String?
        public let type: String?
        public let function: Function
        public struct Function: Decodable {
            public let name: String
            public let arguments: JSONValue?
        }
    }
}

/// A tool the model may call: `{"type": "function", "function": {"name", "description", "parameters", "strict"}}`.
public struct ToolDefinition: Decodable, Sendable {
    public let type: String
    public let function: Function
    public struct Function: Decodable, Sendable {
        public let name: String
        public let description: String?
        public let parameters: JSONValue?
        public let strict: Bool?
    }

    /// The tool as the chat template sees it.
    public var json: JSONValue {
        var f: [(String, JSONValue)] = [("name", .string(function.name))]
        if let d = function.description { f.append(("description", .string(d))) }
        if let p = function.parameters { f.append(("parameters", p)) }
        return .object([("type", .string(type)), ("function", .object(f))])
    }
}

/// `tool_choice`: "none", "auto", "required", or `{"type": "function", "function": {"name"}}`.
public enum ToolChoice: Decodable, Sendable, Equatable {
    case none, auto, required, function(String)
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            switch s {
            case "none": self = .none
            case "auto": self = .auto
            case "required": self = .required
            default: throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected none, auto, required or a function"))
            }
            return
        }
        struct Named: Decodable { let type: String; let function: Name; struct Name: Decodable { let name: String } }
        let n = try c.decode(Named.self)
        self = .function(n.function.name)
    }
}

/// What a chat request asks of tools, checked: the tools for the template, the choice, and whether several
/// calls may come in one turn.
public struct ToolRequest: Sendable {
    public let tools: [ToolDefinition]
    public let choice: ToolChoice
    public let parallel: Bool

    /// The tools the template is given (none when the choice is "none").
    public var templateTools: [JSONValue] { choice == .none ? [] : tools.map(\.json) }

    /// The grammar that makes the reply a well-formed call, for "required" or a named function (nil for
    /// "auto" and "none", whose replies are read back as they come).
    public func grammar(format: ToolCallFormat) throws(RequestError) -> Grammar? {
        let chosen: [ToolDefinition]
        switch choice {
        case .none, .auto: return nil
        case .required: chosen = tools
        case .function(let name): chosen = tools.filter { $0.function.name == name }
        }
        do {
            return try Grammar(gbnf: format.gbnf(tools: chosen.map { ($0.function.name, $0.function.parameters) }, parallel: parallel && choice == .required))
        } catch {
            throw .badParameter("tools", "a tool's parameters cannot constrain the call: \(error)")
        }
    }
}

public struct ChatCompletionRequest: Decodable {
    public let messages: [ChatRequestMessage]
    public let tools: [ToolDefinition]?
    public let tool_choice: ToolChoice?
    public let parallel_tool_calls: Bool?
    public let fields: SamplingFields

    enum CodingKeys: String, CodingKey { case messages, tools, tool_choice, parallel_tool_calls }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messages = try c.decode([ChatRequestMessage].self, forKey: .messages)
        tools = try c.decodeIfPresent([ToolDefinition].self, forKey: .tools)
        tool_choice = try c.decodeIfPresent(ToolChoice.self, forKey: .tool_choice)
        parallel_tool_calls = try c.decodeIfPresent(Bool.self, forKey: .parallel_tool_calls)
        fields = try SamplingFields(from: decoder)
    }

    /// The tools part of the request, checked (nil when it names no tools and no choice).
    public func toolRequest() throws(RequestError) -> ToolRequest? {
        let tools = self.tools ?? []
        if tools.isEmpty && tool_choice == nil && parallel_tool_calls == nil { return nil }
        if parallel_tool_calls != nil && tools.isEmpty { throw .badParameter("parallel_tool_calls", "parallel_tool_calls needs tools") }
        return try Self.checkTools(tools, choice: tool_choice ?? (tools.isEmpty ? .none : .auto), parallel: parallel_tool_calls,
                                   constrained: fields.response_format != nil || fields.grammar != nil || fields.json_schema != nil)
    }

    /// Checks a choice against the tools; `constrained`: the request also asks for a response format or grammar.
    public static func checkTools(_ tools: [ToolDefinition], choice: ToolChoice, parallel: Bool?, constrained: Bool) throws(RequestError) -> ToolRequest {
        for (i, t) in tools.enumerated() {
            guard t.type == "function" else { throw .badParameter("tools[\(i)].type", "only tools of type function are supported (got '\(t.type)')") }
            guard !t.function.name.isEmpty, t.function.name.count <= 64,
                  t.function.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw .badParameter("tools[\(i)].function.name", "a function name must be 1-64 letters, digits, '_', '-' or '.'")
            }
            if tools[..<i].contains(where: { $0.function.name == t.function.name }) {
                throw .badParameter("tools[\(i)].function.name", "two tools are named '\(t.function.name)'")
            }
            if let p = t.function.parameters, case .object = p {} else if t.function.parameters != nil {
                throw .badParameter("tools[\(i)].function.parameters", "parameters must be a JSON Schema object")
            }
        }
        switch choice {
        case .required where tools.isEmpty: throw .badParameter("tool_choice", "tool_choice required needs tools")
        case .function(let name) where !tools.contains(where: { $0.function.name == name }):
            throw .badParameter("tool_choice", "tool_choice names '\(name)', which is not among the tools")
        default: break
        }
        if constrained, choice == .required || { if case .function = choice { return true } else { return false } }() {
            throw .badParameter("tool_choice", "a required or named tool_choice cannot be combined with a response format or grammar")
        }
        return ToolRequest(tools: tools, choice: choice, parallel: parallel ?? true)
    }

    public func chatMessages() throws(RequestError) -> [ChatMessage] {
        guard !messages.isEmpty else { throw .badParameter("messages", "messages must hold at least one message") }
        let roles: Set = ["system", "developer", "user", "assistant", "tool"]
        var out: [ChatMessage] = []
        for (i, m) in messages.enumerated() {
            guard roles.contains(m.role) else {
                throw .badParameter("messages[\(i)].role", "unknown role '\(m.role)' (expected system, developer, user, assistant or tool)")
            }
            var calls: [ChatToolCall] = []
            for (j, c) in (m.tool_calls ?? []).enumerated() {
                guard m.role == "assistant" else { throw .badParameter("messages[\(i)].tool_calls", "only assistant messages carry tool_calls") }
                var args = c.function.arguments ?? .object([])
                if case .string(let text) = args {
                    do { args = try JSONValue.parse(text) } catch {
                        throw .badParameter("messages[\(i)].tool_calls[\(j)].function.arguments", "arguments must be a JSON object: \(error)")
                    }
                }
                guard case .object = args else {
                    throw .badParameter("messages[\(i)].tool_calls[\(j)].function.arguments", "arguments must be a JSON object")
                }
                calls.append(ChatToolCall(id: c.id ?? "call_\(i)_\(j)", name: c.function.name, arguments: args))
            }
            if m.role == "tool" && m.tool_call_id == nil {
                throw .badParameter("messages[\(i)].tool_call_id", "a tool message needs the tool_call_id it answers")
            }
            out.append(ChatMessage(role: m.role == "developer" ? "system" : m.role, content: m.content?.text ?? "", toolCalls: calls,
                                   toolCallID: m.tool_call_id, name: m.name))
        }
        return out
    }
}

public struct CompletionRequest: Decodable {
    public let prompt: PromptInput
    public let echo: Bool?
    public let suffix: String?
    public let fields: SamplingFields

    enum CodingKeys: String, CodingKey { case prompt, echo, suffix }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try c.decode(PromptInput.self, forKey: .prompt)
        echo = try c.decodeIfPresent(Bool.self, forKey: .echo)
        suffix = try c.decodeIfPresent(String.self, forKey: .suffix)
        fields = try SamplingFields(from: decoder)
    }
}

extension KeyedDecodingContainer {
    /// An optional integer field. A number with a fraction or out of range is a type mismatch that names the field
    /// (Foundation's decoder reports it as corrupt data with no path).
    func decodeInteger<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let v = try? decode(T.self, forKey: key) { return v }
        throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath + [key], debugDescription: "expected an integer"))
    }
}

/// Any JSON value (to accept fields whose content is not used).
public struct IgnoredValue: Decodable {
    public init(from decoder: any Decoder) throws {}
}

extension RequestError {
    /// Names the parameter a JSON decoding error is about.
    init(decoding error: any Error) {
        guard let e = error as? DecodingError else {
            self.init("the request body is not valid JSON: \(error)", code: "invalid_json")
            return
        }
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { s, k in k.intValue.map { "\(s)[\($0)]" } ?? (s.isEmpty ? k.stringValue : "\(s).\(k.stringValue)") }
        }
        switch e {
        case .typeMismatch(let type, let ctx):
            let p = path(ctx.codingPath)
            if p.isEmpty {
                self.init("the request body must be a JSON object", code: "invalid_json")
            } else {
                let expected = type == String.self ? "a string" : type == Bool.self ? "a boolean"
                    : (type == Int.self || type == Int64.self || type == Int32.self) ? "an integer" : type == Double.self ? "a number"
                    : "\(type)".hasPrefix("Array") ? "an array" : "\(type)".hasPrefix("Dictionary") ? "an object" : "of another type"
                self.init("'\(p)' must be \(expected)", param: p, code: "invalid_type")
            }
        case .valueNotFound(_, let ctx):
            let p = path(ctx.codingPath)
            self.init("'\(p)' must not be null", param: p, code: "invalid_type")
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath + [key])
            self.init("missing required parameter '\(p)'", param: p, code: "missing_required_parameter")
        case .dataCorrupted(let ctx):
            let p = path(ctx.codingPath)
            if p.isEmpty {
                self.init("the request body is not valid JSON (\(ctx.debugDescription))", code: "invalid_json")
            } else {
                self.init("'\(p)': \(ctx.debugDescription)", param: p, code: "invalid_value")
            }
        @unknown default:
            self.init("the request body could not be read: \(e)", code: "invalid_json")
        }
    }
}
