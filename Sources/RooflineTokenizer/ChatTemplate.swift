import RooflineGrammar

/// One chat message: its role and text, and for tool use the calls an assistant made (`toolCalls`) or the
/// call a tool message answers (`toolCallID`, with the tool's `name` where the client gives it).
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public var toolCalls: [ChatToolCall] = []
    public var toolCallID: String?
    public var name: String?
    public init(role: String, content: String, toolCalls: [ChatToolCall] = [], toolCallID: String? = nil, name: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }

    enum CodingKeys: String, CodingKey { case role, content, toolCalls, toolCallID, name }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(String.self, forKey: .role)
        content = try c.decode(String.self, forKey: .content)
        toolCalls = try c.decodeIfPresent([ChatToolCall].self, forKey: .toolCalls) ?? []
        toolCallID = try c.decodeIfPresent(String.self, forKey: .toolCallID)
        name = try c.decodeIfPresent(String.self, forKey: .name)
    }
}

/// A function call an assistant message made.
public struct ChatToolCall: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var arguments: JSONValue
    public init(id: String, name: String, arguments: JSONValue) { self.id = id; self.name = name; self.arguments = arguments }
}

extension JinjaValue {
    /// A JSON value as the template sees it (objects keep their key order).
    public init(_ v: JSONValue) {
        switch v {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .number(let d): self = d.rounded() == d && abs(d) < 1e15 ? .int(Int(d)) : .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JinjaValue.init))
        case .object(let o): self = .dict(o.map { ($0.0, JinjaValue($0.1)) })
        }
    }
}

/// Renders conversations with the model's `tokenizer.chat_template` (a Jinja template), or with the
/// documented ChatML fallback when the model has none or its template cannot be run.
public struct ChatTemplate: Sendable {
    /// The fallback: ChatML (`<|im_start|>role\ncontent<|im_end|>\n`), as used by SmolLM2, Qwen and others.
    public static let chatMLSource = """
    {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    """

    public let source: String
    public let template: JinjaTemplate
    /// Why the fallback is in use, when it is.
    public let fallbackReason: String?
    let bosToken: String
    let eosToken: String

    /// Compiles `source`; on failure (or nil) uses ChatML and records why.
    public init(source: String?, bosToken: String = "", eosToken: String = "") {
        self.bosToken = bosToken
        self.eosToken = eosToken
        if let source {
            do {
                template = try JinjaTemplate(source)
                self.source = source
                fallbackReason = nil
                return
            } catch {
                fallbackReason = "the model's chat template cannot be used (\(error)); using ChatML instead"
            }
        } else {
            fallbackReason = "the model has no chat template; using ChatML"
        }
        self.source = Self.chatMLSource
        template = try! JinjaTemplate(Self.chatMLSource)  // constant, covered by tests
    }

    /// The prompt text for `messages`, ending with the assistant's turn opener when `addGenerationPrompt`.
    /// `tools` (OpenAI's tool objects, `{"type": "function", "function": {...}}`) are given to the template as
    /// its `tools` variable, as transformers' apply_chat_template does; assistant messages carry `tool_calls`
    /// (`{"id", "type": "function", "function": {"name", "arguments"}}`, arguments an object) and tool messages
    /// `tool_call_id` and `name`.
    public func render(_ messages: [ChatMessage], tools: [JSONValue] = [], addGenerationPrompt: Bool = true,
                       limits: JinjaLimits = .standard) throws(TokenizerError) -> String {
        let msgs: [JinjaValue] = messages.map { m in
            var pairs: [(String, JinjaValue)] = [("role", .string(m.role)), ("content", .string(m.content))]
            if !m.toolCalls.isEmpty {
                pairs.append(("tool_calls", .array(m.toolCalls.map { c in
                    .dict([("id", .string(c.id)), ("type", .string("function")),
                           ("function", .dict([("name", .string(c.name)), ("arguments", JinjaValue(c.arguments))]))])
                })))
            }
            if let id = m.toolCallID { pairs.append(("tool_call_id", .string(id))) }
            if let name = m.name { pairs.append(("name", .string(name))) }
            return .dict(pairs)
        }
        var context: [String: JinjaValue] = [
            "messages": .array(msgs),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]
        if !tools.isEmpty { context["tools"] = .array(tools.map(JinjaValue.init)) }
        return try template.render(context, limits: limits)
    }

    /// How this template's model writes tool calls (nil: the template does not render tools, or in a way
    /// Roofline does not read).
    public var toolCallFormat: ToolCallFormat? { fallbackReason == nil ? ToolCallFormat.detect(templateSource: source) : nil }
}

extension Tokenizer {
    /// The chat template stored with this tokenizer's model, with its BOS/EOS strings.
    public func chatTemplate(source: String?) -> ChatTemplate {
        ChatTemplate(source: source,
                     bosToken: bos.map { tokens[Int($0)] } ?? "",
                     eosToken: eos.map { tokens[Int($0)] } ?? "")
    }
}
