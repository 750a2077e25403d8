/// One chat message.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
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
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true, limits: JinjaLimits = .standard) throws(TokenizerError) -> String {
        let msgs: [JinjaValue] = messages.map { .dict([("role", .string($0.role)), ("content", .string($0.content))]) }
        return try template.render([
            "messages": .array(msgs),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ], limits: limits)
    }
}

extension Tokenizer {
    /// The chat template stored with this tokenizer's model, with its BOS/EOS strings.
    public func chatTemplate(source: String?) -> ChatTemplate {
        ChatTemplate(source: source,
                     bosToken: bos.map { tokens[Int($0)] } ?? "",
                     eosToken: eos.map { tokens[Int($0)] } ?? "")
    }
}
