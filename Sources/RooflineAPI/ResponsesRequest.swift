import Foundation
import RooflineSampling
import RooflineTokenizer

/// OpenAI's Responses API request (`POST /v1/responses`), served statelessly: `input` as a string or a list of
/// message items (roles user, assistant, system, developer; content a string or input_text/output_text
/// parts), `instructions`, `max_output_tokens`, `temperature`, `top_p`, `stream`. What this server does not
/// keep or do (previous_response_id, store: true, tools, text.format other than plain text, reasoning,
/// background, non-text content) is refused with an error naming the field.
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

    enum CodingKeys: String, CodingKey {
        case model, input, instructions, max_output_tokens, temperature, top_p, stream, store, text, tools, tool_choice, metadata
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
        if let text = try c.decodeIfPresent(TextOptions.self, forKey: .text), let f = text.format?.type, f != "text" { refused.append("text.format") }
        if let tools = try c.decodeIfPresent([IgnoredValue].self, forKey: .tools), !tools.isEmpty { refused.append("tools") }
        if c.contains(.tool_choice) { refused.append("tool_choice") }
        let all = try decoder.container(keyedBy: AnthropicMessagesRequest.AnyKey.self)
        let known = Set(["model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "stream", "store", "text", "tools",
                         "tool_choice", "metadata", "user", "truncation", "parallel_tool_calls"])
        refused += all.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        self.refused = refused
    }

    struct TextOptions: Decodable {
        struct Format: Decodable { let type: String }
        let format: Format?
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
                guard item.type == nil || item.type == "message" else {
                    throw .badParameter("input[\(i)].type", "input items of type '\(item.type ?? "")' are not supported (messages only)")
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
        return RequestOptions(maxTokens: maxOutputTokens ?? Int.max, sampling: sampling, stop: [], ignoreEOS: false, n: 1, logprobs: nil)
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
