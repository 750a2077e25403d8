import Foundation

/// OpenAI's completion object: a whole chat or text completion, or one streamed chunk (`object` says which).
struct CompletionResponse: Encodable, Sendable {
    let id: String
    let object: String
    let created: Int
    let model: String
    var system_fingerprint = "roofline"
    let choices: [Choice]
    /// On whole answers, and alone on a stream's closing chunk (`stream_options.include_usage`).
    var usage: Usage?
}

/// One choice: a chat `message` (whole) or `delta` (streamed), or a completion's `text`. `logprobs` and
/// `finish_reason` are always written, null when there are none (mid-stream, or no log-probabilities asked for).
struct Choice: Encodable, Sendable {
    let index: Int
    @Nullable var logprobs: Logprobs? = nil
    @Nullable var finish_reason: String? = nil
    var message: AssistantMessage?
    var delta: ChoiceDelta?
    var text: String?
}

/// A whole chat reply; `content` is null when the reply is only calls.
struct AssistantMessage: Encodable, Sendable {
    var role = "assistant"
    @Nullable var content: String?
    var tool_calls: [ToolCallObject]?
    /// Reasoning read from the reply (a harmony model's analysis channel), as llama.cpp's server writes it.
    var reasoning_content: String?
}

/// What a streamed chat chunk adds: the role (the first chunk), content or reasoning text, or calls.
struct ChoiceDelta: Encodable, Sendable {
    var role: String?
    var content: String?
    var reasoning_content: String?
    var tool_calls: [ToolCallObject]?
}

/// A call in OpenAI's `tool_calls` shape, its arguments as JSON text; `index` (the call's place) only in a
/// streamed delta.
struct ToolCallObject: Encodable, Sendable {
    struct Function: Encodable, Sendable {
        let name: String
        let arguments: String
    }
    var index: Int?
    let id: String
    var type = "function"
    let function: Function

    init(_ call: ReplyCall, index: Int? = nil) {
        self.index = index
        id = call.id
        function = Function(name: call.name, arguments: call.argumentsText)
    }
}

/// Token counts of a request; `cached_tokens` are prompt tokens whose KV came from the prefix cache.
struct Usage: Encodable, Sendable {
    struct PromptDetails: Encodable, Sendable { let cached_tokens: Int }
    let prompt_tokens: Int
    let completion_tokens: Int
    let total_tokens: Int
    let prompt_tokens_details: PromptDetails

    init(prompt: Int, completion: Int, cached: Int = 0) {
        prompt_tokens = prompt
        completion_tokens = completion
        total_tokens = prompt + completion
        prompt_tokens_details = PromptDetails(cached_tokens: cached)
    }
}
