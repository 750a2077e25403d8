import Foundation
import RooflineSampling
import RooflineTokenizer

/// Anthropic's Messages API request (`POST /v1/messages`): a system prompt, alternating user and assistant
/// messages of text, `max_tokens` (required), `stop_sequences`, `temperature` (0-1), `top_p`, `top_k`, `stream`.
/// What this server does not do (tools, images, documents, extended thinking) is refused with an error naming
/// the field, never ignored.
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
    /// Fields present that this server refuses (tools, tool_choice, thinking, ...).
    public let refused: [String]

    enum CodingKeys: String, CodingKey {
        case model, max_tokens, messages, system, stop_sequences, temperature, top_p, top_k, stream, metadata, service_tier
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
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(["model", "max_tokens", "messages", "system", "stop_sequences", "temperature", "top_p", "top_k", "stream",
                         "metadata", "service_tier"])
        refused = all.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
    }

    /// The conversation as chat messages (the system prompt first).
    public func chatMessages() throws(RequestError) -> [ChatMessage] {
        if let field = refused.first {
            throw RequestError("'\(field)' is not supported by this server (tools, tool_choice, thinking and the like are refused, not ignored)",
                               param: field, code: "invalid_request_error")
        }
        guard !messages.isEmpty else { throw .badParameter("messages", "messages must hold at least one message") }
        var out: [ChatMessage] = []
        if let system { out.append(ChatMessage(role: "system", content: try system.text(field: "system"))) }
        for (i, m) in messages.enumerated() {
            guard m.role == "user" || m.role == "assistant" else {
                throw .badParameter("messages.\(i).role", "role must be 'user' or 'assistant' (got '\(m.role)'); the system prompt goes in 'system'")
            }
            out.append(ChatMessage(role: m.role, content: try m.content.text(field: "messages.\(i).content")))
        }
        return out
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
        var out: [ChatMessage] = []
        if let system { out.append(ChatMessage(role: "system", content: try system.text(field: "system"))) }
        for (i, m) in messages.enumerated() {
            guard m.role == "user" || m.role == "assistant" else { throw .badParameter("messages.\(i).role", "role must be 'user' or 'assistant'") }
            out.append(ChatMessage(role: m.role, content: try m.content.text(field: "messages.\(i).content")))
        }
        return out
    }
}

public struct AnthropicMessage: Decodable {
    public let role: String
    public let content: AnthropicContent
}

/// Content: a string or a list of blocks. Text blocks are joined; other block types are refused by name.
public struct AnthropicContent: Decodable {
    let blocks: [(type: String, text: String?)]

    struct Block: Decodable {
        let type: String
        let text: String?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            blocks = [("text", s)]
        } else {
            blocks = try c.decode([Block].self).map { ($0.type, $0.text) }
        }
    }

    func text(field: String) throws(RequestError) -> String {
        var out = ""
        for (i, b) in blocks.enumerated() {
            guard b.type == "text", let t = b.text else {
                throw .badParameter("\(field).\(i).type", "content blocks of type '\(b.type)' are not supported by this server (text only)")
            }
            out += t
        }
        return out
    }
}
