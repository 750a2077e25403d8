import Foundation
import RooflineGrammar
import RooflineSampling
import RooflineTokenizer

/// Anthropic's Messages API request (`POST /v1/messages`): a system prompt, alternating user and assistant
/// messages of text, tool_use and tool_result blocks, `max_tokens` (required), `stop_sequences`, `temperature`
/// (0-1), `top_p`, `top_k`, `stream`, client `tools` (`name`, `description`, `input_schema`) and `tool_choice`
/// (auto, any, tool, none; `disable_parallel_tool_use`). What this server does not do (server tools, images,
/// documents, extended thinking) is refused with an error naming the field, never ignored.
public struct AnthropicMessagesRequest: Decodable, ConversationRequest {
    public let model: String?
    public let maxTokens: Int?
    public let messages: [AnthropicMessage]
    public let system: AnthropicContent?
    public let stopSequences: [String]?
    public let temperature: Double?
    public let topP: Double?
    public let topK: Int?
    public let stream: Bool?
    /// Fields present that this server refuses (thinking, ...).
    public let refused: [String]
    let tools: [Tool]?
    let toolChoice: Choice?

    /// A client tool: `{"name", "description", "input_schema"}` (a `type` other than "custom" is a server tool).
    struct Tool: Decodable {
        let type: String?
        let name: String
        let description: String?
        let input_schema: JSONValue?
    }

    /// `{"type": "auto" | "any" | "tool" | "none", "name", "disable_parallel_tool_use"}`.
    struct Choice: Decodable {
        let type: String
        let name: String?
        let disable_parallel_tool_use: Bool?
    }

    enum CodingKeys: String, CodingKey {
        case model, max_tokens, messages, system, stop_sequences, temperature, top_p, top_k, stream, metadata, service_tier
        case tools, tool_choice
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        let intValue: Int? = nil
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        maxTokens = try c.decodeInteger(Int.self, forKey: .max_tokens)
        messages = try c.decode([AnthropicMessage].self, forKey: .messages)
        system = try c.decodeIfPresent(AnthropicContent.self, forKey: .system)
        stopSequences = try c.decodeIfPresent([String].self, forKey: .stop_sequences)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .top_p)
        topK = try c.decodeInteger(Int.self, forKey: .top_k)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        tools = try c.decodeIfPresent([Tool].self, forKey: .tools)
        toolChoice = try c.decodeIfPresent(Choice.self, forKey: .tool_choice)
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(["model", "max_tokens", "messages", "system", "stop_sequences", "temperature", "top_p", "top_k", "stream",
                         "metadata", "service_tier", "tools", "tool_choice"])
        refused = all.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
    }

    /// The conversation as chat messages (the system prompt first; tool_result blocks become tool messages,
    /// tool_use blocks the assistant's calls).
    public func chatMessages() throws(RequestError) -> [ChatMessage] {
        if let field = refused.first {
            throw RequestError("'\(field)' is not supported by this server (thinking and the like are refused, not ignored)",
                               param: field, code: "invalid_request_error")
        }
        guard !messages.isEmpty else { throw .badParameter("messages", "messages must hold at least one message") }
        return try Self.conversation(system: system, messages: messages)
    }

    static func conversation(system: AnthropicContent?, messages: [AnthropicMessage]) throws(RequestError) -> [ChatMessage] {
        var out: [ChatMessage] = []
        if let system { out.append(ChatMessage(role: "system", content: try system.text(field: "system"))) }
        for (i, m) in messages.enumerated() {
            guard m.role == "user" || m.role == "assistant" else {
                throw .badParameter("messages.\(i).role", "role must be 'user' or 'assistant' (got '\(m.role)'); the system prompt goes in 'system'")
            }
            let field = "messages.\(i).content"
            for r in try m.content.results(field: field) {
                guard m.role == "user" else { throw .badParameter(field, "tool_result blocks belong in user messages") }
                out.append(ChatMessage(role: "tool", content: r.content, toolCallID: r.id))
            }
            let calls = try m.content.uses(field: field)
            if !calls.isEmpty && m.role != "assistant" { throw .badParameter(field, "tool_use blocks belong in assistant messages") }
            let text = try m.content.text(field: field)
            let other = m.content.blocks.contains { $0.type != "tool_use" && $0.type != "tool_result" }
            if other || !calls.isEmpty || m.content.blocks.isEmpty {
                out.append(ChatMessage(role: m.role, content: text, toolCalls: calls))
            }
        }
        return out
    }

    /// The tools, checked, in the chat request's terms (nil when none are offered).
    public func toolRequest() throws(RequestError) -> ToolRequest? {
        guard let tools, !tools.isEmpty else {
            if toolChoice != nil { throw .badParameter("tool_choice", "tool_choice needs tools") }
            return nil
        }
        var defs: [ToolDefinition] = []
        for (i, t) in tools.enumerated() {
            if let type = t.type, type != "custom" {
                throw .badParameter("tools.\(i).type", "server tools ('\(type)') are not supported by this server; client tools only")
            }
            defs.append(ToolDefinition(type: "function", function: .init(name: t.name, description: t.description, parameters: t.input_schema, strict: nil)))
        }
        let choice: ToolChoice
        switch toolChoice?.type {
        case nil, "auto"?: choice = .auto
        case "any"?: choice = .required
        case "none"?: choice = .none
        case "tool"?:
            guard let name = toolChoice?.name else { throw .badParameter("tool_choice.name", "tool_choice of type tool needs a name") }
            choice = .function(name)
        case let other?: throw .badParameter("tool_choice.type", "tool_choice.type must be auto, any, tool or none (got '\(other)')")
        }
        return try ChatCompletionRequest.checkTools(defs, choice: choice, parallel: toolChoice?.disable_parallel_tool_use.map { !$0 }, constrained: false)
    }

    /// Range-checked generation settings (Anthropic's defaults: temperature 1, no top-k or top-p cut).
    public func options() throws(RequestError) -> RequestOptions {
        guard let maxTokens else { throw RequestError("max_tokens: field required", param: "max_tokens", code: "missing_required_parameter") }
        guard maxTokens >= 1 else { throw .badParameter("max_tokens", "max_tokens must be at least 1 (got \(maxTokens))") }
        if let t = temperature, !(t.isFinite && t >= 0 && t <= 1) { throw .badParameter("temperature", "temperature must be between 0 and 1 (got \(t))") }
        if let p = topP, !(p.isFinite && p > 0 && p <= 1) { throw .badParameter("top_p", "top_p must be in (0, 1] (got \(p))") }
        if let k = topK, k < 0 { throw .badParameter("top_k", "top_k must be 0 or more (got \(k))") }
        let stops = stopSequences ?? []
        guard stops.count <= 16 else { throw .badParameter("stop_sequences", "at most 16 stop sequences are allowed (got \(stops.count))") }
        var sampling = SamplingParameters(temperature: Float(temperature ?? 1), topK: topK ?? 0, topP: Float(topP ?? 1), minP: 0,
                                          seed: UInt64.random(in: 0...UInt64.max))
        if let p = topP, Float(p) == 0 { sampling.topP = .leastNonzeroMagnitude }
        return RequestOptions(maxTokens: maxTokens, sampling: sampling, stop: stops, ignoreEOS: false, n: 1, logprobs: nil)
    }
}

/// `POST /v1/messages/count_tokens`: the same conversation fields, no generation settings.
public struct AnthropicCountTokensRequest: Decodable {
    public let model: String?
    public let messages: [AnthropicMessage]
    public let system: AnthropicContent?

    public func chatMessages() throws(RequestError) -> [ChatMessage] {
        try AnthropicMessagesRequest.conversation(system: system, messages: messages)
    }
}

public struct AnthropicMessage: Decodable {
    public let role: String
    public let content: AnthropicContent
}

/// Content: a string or a list of blocks: text (joined), tool_use (an assistant's calls) and tool_result (a
/// user's answers to them); other block types are refused by name.
public struct AnthropicContent: Decodable {
    let blocks: [Block]

    struct Block: Decodable {
        let type: String
        let text: String?
        let id: String?
        let name: String?
        let input: JSONValue?
        let tool_use_id: String?
        let content: AnthropicContent?
        let is_error: Bool?
    }

    public init(from decoder: any Decoder) throws {
        guard decoder.codingPath.count < 16 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "content nested too deep"))
        }
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            blocks = [Block(type: "text", text: s, id: nil, name: nil, input: nil, tool_use_id: nil, content: nil, is_error: nil)]
        } else {
            blocks = try c.decode([Block].self)
        }
    }

    func text(field: String) throws(RequestError) -> String {
        var out = ""
        for (i, b) in blocks.enumerated() {
            if b.type == "tool_use" || b.type == "tool_result" { continue }
            guard b.type == "text", let t = b.text else {
                throw .badParameter("\(field).\(i).type", "content blocks of type '\(b.type)' are not supported by this server (text, tool_use and tool_result only)")
            }
            out += t
        }
        return out
    }

    func uses(field: String) throws(RequestError) -> [ChatToolCall] {
        var out: [ChatToolCall] = []
        for (i, b) in blocks.enumerated() where b.type == "tool_use" {
            guard let id = b.id, let name = b.name else { throw .badParameter("\(field).\(i)", "a tool_use block needs id and name") }
            let input = b.input ?? .object([])
            guard case .object = input else { throw .badParameter("\(field).\(i).input", "input must be an object") }
            out.append(ChatToolCall(id: id, name: name, arguments: input))
        }
        return out
    }

    func results(field: String) throws(RequestError) -> [(id: String, content: String)] {
        var out: [(String, String)] = []
        for (i, b) in blocks.enumerated() where b.type == "tool_result" {
            guard let id = b.tool_use_id else { throw .badParameter("\(field).\(i).tool_use_id", "a tool_result block needs tool_use_id") }
            let text = try b.content?.text(field: "\(field).\(i).content") ?? ""
            out.append((id, b.is_error == true ? "Error: " + text : text))
        }
        return out
    }
}
