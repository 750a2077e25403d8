import Foundation
import RooflineGrammar
import RooflineSampling
import RooflineTokenizer

/// OpenAI's Responses API request (`POST /v1/responses`), served statelessly: `input` as a string or a list of
/// items (messages with roles user, assistant, system, developer and content a string or input_text/output_text
/// parts; function_call and function_call_output items), `instructions`, `max_output_tokens`, `temperature`,
/// `top_p`, `stream`, `text.format` (text, json_object, json_schema), function `tools`, `tool_choice`,
/// `parallel_tool_calls`. What this server does not keep or do (previous_response_id, store: true, tools other
/// than functions, reasoning, background, non-text content) is refused with an error naming the field.
public struct ResponsesRequest: Decodable, ConversationRequest {
    public let model: String?
    public let input: ResponsesInput
    public let instructions: String?
    public let maxOutputTokens: Int?
    public let temperature: Double?
    public let topP: Double?
    public let stream: Bool?
    /// Fields present that this server refuses.
    public let refused: [String]
    let format: TextOptions.Format?
    let tools: [Tool]?
    let toolChoice: ToolChoiceField?
    let parallelToolCalls: Bool?

    /// A function tool in the Responses shape: `{"type": "function", "name", "description", "parameters", "strict"}`.
    struct Tool: Decodable {
        let type: String
        let name: String?
        let description: String?
        let parameters: JSONValue?
    }

    /// `tool_choice`: "none", "auto", "required", or `{"type": "function", "name"}`.
    enum ToolChoiceField: Decodable {
        case mode(String), function(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .mode(s); return }
            struct Named: Decodable { let type: String; let name: String }
            self = .function(try c.decode(Named.self).name)
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, input, instructions, max_output_tokens, temperature, top_p, stream, store, text, tools, tool_choice, metadata
        case parallel_tool_calls
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        input = try c.decode(ResponsesInput.self, forKey: .input)
        instructions = try c.decodeIfPresent(String.self, forKey: .instructions)
        maxOutputTokens = try c.decodeInteger(Int.self, forKey: .max_output_tokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .top_p)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        var refused: [String] = []
        if try c.decodeIfPresent(Bool.self, forKey: .store) == true { refused.append("store") }
        format = try c.decodeIfPresent(TextOptions.self, forKey: .text)?.format
        tools = try c.decodeIfPresent([Tool].self, forKey: .tools)
        toolChoice = try c.decodeIfPresent(ToolChoiceField.self, forKey: .tool_choice)
        parallelToolCalls = try c.decodeIfPresent(Bool.self, forKey: .parallel_tool_calls)
        let all = try decoder.container(keyedBy: AnthropicMessagesRequest.AnyKey.self)
        let known = Set(["model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "stream", "store", "text", "tools",
                         "tool_choice", "metadata", "user", "truncation", "parallel_tool_calls"])
        refused += all.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        self.refused = refused
    }

    struct TextOptions: Decodable {
        /// `{"type": "text" | "json_object" | "json_schema", "name", "schema", "strict"}` (flat, as the Responses API has it).
        struct Format: Decodable { let type: String; let schema: JSONValue? }
        let format: Format?
    }

    /// What the response object echoes: the tools as given, the tool choice, and the text format.
    public var echo: (tools: JSONValue, toolChoice: JSONValue, format: JSONValue) {
        let tools = JSONValue.array((self.tools ?? []).map { t in
            var o: [(String, JSONValue)] = [("type", .string(t.type))]
            if let n = t.name { o.append(("name", .string(n))) }
            if let d = t.description { o.append(("description", .string(d))) }
            if let p = t.parameters { o.append(("parameters", p)) }
            return .object(o)
        })
        let choice: JSONValue
        switch toolChoice {
        case nil: choice = .string((self.tools ?? []).isEmpty ? "none" : "auto")
        case .mode(let m)?: choice = .string(m)
        case .function(let n)?: choice = .object([("type", .string("function")), ("name", .string(n))])
        }
        var f: [(String, JSONValue)] = [("type", .string(format?.type ?? "text"))]
        if let schema = format?.schema { f.append(("schema", schema)) }
        return (tools, choice, .object(f))
    }

    /// The tools part, checked, in the chat request's terms (nil when the request names no tools).
    public func toolRequest() throws(RequestError) -> ToolRequest? {
        guard let tools, !tools.isEmpty else {
            if toolChoice != nil { throw .badParameter("tool_choice", "tool_choice needs tools") }
            return nil
        }
        var defs: [ToolDefinition] = []
        for (i, t) in tools.enumerated() {
            guard t.type == "function" else { throw .badParameter("tools[\(i)].type", "only function tools are supported (got '\(t.type)')") }
            guard let name = t.name else { throw .badParameter("tools[\(i)].name", "a function tool needs a name") }
            defs.append(ToolDefinition(type: "function", function: .init(name: name, description: t.description, parameters: t.parameters, strict: nil)))
        }
        let choice: ToolChoice
        switch toolChoice {
        case nil, .mode("auto")?: choice = .auto
        case .mode("none")?: choice = .none
        case .mode("required")?: choice = .required
        case .mode(let m)?: throw .badParameter("tool_choice", "tool_choice must be none, auto, required or a function (got '\(m)')")
        case .function(let n)?: choice = .function(n)
        }
        return try ChatCompletionRequest.checkTools(defs, choice: choice, parallel: parallelToolCalls, constrained: format.map { $0.type != "text" } ?? false)
    }

    /// The grammar `text.format` asks for (nil: plain text).
    func formatGrammar() throws(RequestError) -> Grammar? {
        guard let f = format else { return nil }
        do {
            switch f.type {
            case "text": return nil
            case "json_object": return try Grammar(gbnf: JSONSchemaGrammar.anyObject)
            case "json_schema":
                guard let schema = f.schema else { throw RequestError.badParameter("text.format.schema", "text.format of type json_schema needs a schema") }
                return try JSONSchemaGrammar.grammar(schema: schema)
            default: throw RequestError.badParameter("text.format.type", "text.format.type must be text, json_object or json_schema (got '\(f.type)')")
            }
        } catch let e as RequestError {
            throw e
        } catch {
            throw .badParameter("text.format", "\(error)")
        }
    }

    /// The conversation as chat messages: instructions first (as the system message), then the input.
    public func chatMessages() throws(RequestError) -> [ChatMessage] {
        if let field = refused.first {
            let why = field == "store" ? "this server keeps no responses (send store: false or leave it out)"
                : field == "previous_response_id" ? "this server keeps no responses: send the whole conversation as input items"
                : "'\(field)' is not supported by this server"
            throw RequestError(why, param: field, code: "unsupported_parameter")
        }
        var out: [ChatMessage] = instructions.map { [ChatMessage(role: "system", content: $0)] } ?? []
        switch input {
        case .text(let t): out.append(ChatMessage(role: "user", content: t))
        case .items(let items):
            guard !items.isEmpty else { throw .badParameter("input", "input must hold at least one item") }
            for (i, item) in items.enumerated() {
                if item.type == "function_call" {
                    guard let name = item.name, let id = item.call_id else { throw .badParameter("input[\(i)]", "a function_call item needs name and call_id") }
                    let args: JSONValue
                    do { args = try JSONValue.parse(item.arguments ?? "{}") } catch {
                        throw .badParameter("input[\(i)].arguments", "arguments must be a JSON object: \(error)")
                    }
                    guard case .object = args else { throw .badParameter("input[\(i)].arguments", "arguments must be a JSON object") }
                    let call = ChatToolCall(id: id, name: name, arguments: args)
                    // consecutive calls belong to one assistant turn
                    if let last = out.last, last.role == "assistant", !last.toolCalls.isEmpty { out[out.count - 1].toolCalls.append(call) }
                    else { out.append(ChatMessage(role: "assistant", content: "", toolCalls: [call])) }
                    continue
                }
                if item.type == "function_call_output" {
                    guard let id = item.call_id else { throw .badParameter("input[\(i)].call_id", "a function_call_output item needs call_id") }
                    out.append(ChatMessage(role: "tool", content: item.output ?? "", toolCallID: id))
                    continue
                }
                guard item.type == nil || item.type == "message" else {
                    throw .badParameter("input[\(i)].type", "input items of type '\(item.type ?? "")' are not supported (messages, function_call, function_call_output)")
                }
                let roles: Set = ["user", "assistant", "system", "developer"]
                guard let role = item.role, roles.contains(role) else {
                    throw .badParameter("input[\(i)].role", "role must be user, assistant, system or developer")
                }
                out.append(ChatMessage(role: role == "developer" ? "system" : role, content: try item.text(index: i)))
            }
        }
        return out
    }

    /// Range-checked settings (OpenAI's defaults: temperature 1, top_p 1).
    public func options() throws(RequestError) -> RequestOptions {
        if let m = maxOutputTokens, m < 1 { throw .badParameter("max_output_tokens", "max_output_tokens must be at least 1 (got \(m))") }
        if let t = temperature, !(t.isFinite && t >= 0 && t <= 2) { throw .badParameter("temperature", "temperature must be between 0 and 2 (got \(t))") }
        if let p = topP, !(p.isFinite && p >= 0 && p <= 1) { throw .badParameter("top_p", "top_p must be between 0 and 1 (got \(p))") }
        var sampling = SamplingParameters(temperature: Float(temperature ?? 1), topK: 0, topP: Float(topP ?? 1), minP: 0,
                                          seed: UInt64.random(in: 0...UInt64.max))
        if let p = topP, Float(p) == 0 { sampling.topP = .leastNonzeroMagnitude }
        var options = RequestOptions(maxTokens: maxOutputTokens ?? Int.max, sampling: sampling, stop: [], ignoreEOS: false, n: 1, logprobs: nil)
        options.grammar = try formatGrammar()
        return options
    }
}

/// `input`: a string, or a list of message items.
public enum ResponsesInput: Decodable {
    case text(String)
    case items([ResponsesItem])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .text(s) } else { self = .items(try c.decode([ResponsesItem].self)) }
    }
}

/// One input item: a message with a role and content (a string or text parts).
public struct ResponsesItem: Decodable {
    let type: String?
    let role: String?
    let content: Content?
    let call_id: String?
    let name: String?
    let arguments: String?
    let output: String?

    enum Content: Decodable {
        case text(String)
        case parts([Part])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .parts(try c.decode([Part].self)) }
        }
    }

    struct Part: Decodable {
        let type: String
        let text: String?
    }

    func text(index i: Int) throws(RequestError) -> String {
        switch content {
        case .text(let s): return s
        case .parts(let parts):
            var out = ""
            for (k, p) in parts.enumerated() {
                guard ["input_text", "output_text", "text"].contains(p.type), let t = p.text else {
                    throw .badParameter("input[\(i)].content[\(k)].type", "content parts of type '\(p.type)' are not supported (text only)")
                }
                out += t
            }
            return out
        case nil: return ""
        }
    }
}
