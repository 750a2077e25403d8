import Foundation
import RooflineEngine
import RooflineSampling

/// Which OpenAI endpoint a generation answers, and the JSON shapes it answers with.
struct ResponseShape: Sendable {
    enum Kind: Sendable { case chat, completion }
    let kind: Kind
    let id: String
    let created: Int
    let model: String

    init(_ kind: Kind, model: String) {
        self.kind = kind
        self.model = model
        created = Int(Date().timeIntervalSince1970)
        let hex = (0..<12).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
        id = (kind == .chat ? "chatcmpl-" : "cmpl-") + hex
    }

    /// The whole answer of a non-streamed request; `logprobs[i]` (when asked for) are choice i's tokens'.
    /// `tools[i]`, when replies are read (tools offered, or a harmony model): choice i's content, calls and
    /// reasoning as read back; with calls, the message carries `tool_calls` and the finish reason is "tool_calls";
    /// reasoning goes to `reasoning_content`, as llama.cpp's server writes it.
    func completion(texts: [String], finishes: [FinishReason], promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0,
                    logprobs: [[TokenLogprob]]? = nil, format: LogprobFormat? = nil,
                    tools: [(content: String?, calls: [ReplyCall], reasoning: String?)]? = nil) -> CompletionResponse {
        let choices = texts.indices.map { i in
            var c = Choice(index: i, finish_reason: finishes[i].rawValue)
            if let logprobs, let format, i < logprobs.count {
                c.logprobs = kind == .chat ? format.chat(logprobs[i]) : format.completion(logprobs[i])
            }
            switch kind {
            case .chat:
                if let t = tools?[i] {
                    var m = AssistantMessage(content: t.content, reasoning_content: t.reasoning)
                    if !t.calls.isEmpty {
                        m.tool_calls = t.calls.map { ToolCallObject($0) }
                        c.finish_reason = "tool_calls"
                    }
                    c.message = m
                } else {
                    c.message = AssistantMessage(content: texts[i])
                }
            case .completion: c.text = texts[i]
            }
            return c
        }
        return CompletionResponse(id: id, object: kind == .chat ? "chat.completion" : "text_completion", created: created, model: model,
                                  choices: choices, usage: Usage(prompt: promptTokens, completion: completionTokens, cached: cachedTokens))
    }

    /// One streamed chunk for choice `index`: new text, or (with `finish`) its end. `role` opens a chat stream.
    /// `logprob` (with its `format`) is the chunk's token's, `offset` the characters of the choice before it.
    /// `reasoning`: reasoning text (`delta.reasoning_content`) instead of content.
    func chunk(index: Int, text: String, finish: FinishReason?, role: Bool = false,
               logprob: TokenLogprob? = nil, format: LogprobFormat? = nil, offset: Int = 0, toolCalls: Bool = false,
               reasoning: Bool = false) -> CompletionResponse {
        var c = Choice(index: index, finish_reason: toolCalls ? "tool_calls" : finish?.rawValue)
        if let logprob, let format {
            c.logprobs = kind == .chat ? format.chat([logprob]) : format.completion([logprob], offset: offset)
        }
        switch kind {
        case .chat:
            var delta = ChoiceDelta()
            if role { delta.role = "assistant" }
            if !text.isEmpty || role {
                if reasoning { delta.reasoning_content = text } else { delta.content = text }
            }
            c.delta = delta
        case .completion:
            c.text = text
        }
        return envelope(choices: [c])
    }

    /// One whole call of choice `index` as a streamed `tool_calls` delta (name and all its arguments at once).
    func toolCallChunk(index: Int, callIndex: Int, call: ReplyCall) -> CompletionResponse {
        envelope(choices: [Choice(index: index, delta: ChoiceDelta(tool_calls: [ToolCallObject(call, index: callIndex)]))])
    }

    /// The closing usage chunk (`stream_options.include_usage`): no choices, only usage.
    func usageChunk(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) -> CompletionResponse {
        var e = envelope(choices: [])
        e.usage = Usage(prompt: promptTokens, completion: completionTokens, cached: cachedTokens)
        return e
    }

    private func envelope(choices: [Choice]) -> CompletionResponse {
        CompletionResponse(id: id, object: kind == .chat ? "chat.completion.chunk" : "text_completion", created: created, model: model,
                           choices: choices)
    }
}
