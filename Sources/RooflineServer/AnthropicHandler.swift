import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RooflineAPI
import RooflineEngine
import RooflineGrammar

/// Answers `POST /v1/messages` in Anthropic's shapes: a whole `message`, or the event stream
/// (message_start, content_block_start, ping, content_block_delta text_delta…, content_block_stop,
/// message_delta with stop_reason and usage, message_stop).
struct AnthropicHandler: Sendable {
    let scheduler: Scheduler
    let metrics: ServerMetrics

    func respond(prompt: [Int32], options checked: RequestOptions, stream: Bool, model: String, tools: ToolContext? = nil) async throws -> Response {
        var options = GenerationOptions(maxTokens: checked.maxTokens, sampling: checked.sampling, stop: checked.stop)
        options.grammar = tools?.grammar
        let run: GenerationRun
        do {
            run = try GenerationRun(scheduler: scheduler, prompt: prompt, options: options, n: 1, arrived: .now)
        } catch {
            throw OpenAIError(error, promptParam: "messages")
        }
        metrics.promptTokens.increment(by: Int64(prompt.count))
        let id = "msg_" + (0..<12).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
        return stream ? try await events(run, id: id, model: model, tools: tools) : try await whole(run, id: id, model: model, tools: tools)
    }

    /// A finished reply as content blocks: its text (when there is any, or no call), then a tool_use block per call.
    static func blocks(_ text: String, tools: ToolContext?) -> (text: String?, calls: [ReplyCall]) {
        guard let tools else { return (text, []) }
        let (content, calls, _) = tools.read(text)
        return (content, calls)
    }

    /// A call as a tool_use block, its input the call's arguments unless `input` is given (a streamed block opens with `{}`).
    static func toolUse(_ call: ReplyCall, input: JSONValue? = nil) -> AnthropicContentBlock {
        .toolUse(id: "toolu_" + call.id.dropFirst("call_".count), name: call.name, input: input ?? Self.input(call.arguments))
    }

    /// A call's arguments as tool_use input: an object (or array) as read; anything else (a model may write a bare
    /// value) becomes `{}`.
    static func input(_ arguments: JSONValue) -> JSONValue {
        switch arguments {
        case .object, .array: arguments
        default: .object([])
        }
    }

    /// Anthropic's stop_reason for a finished sequence.
    static func stopReason(_ s: SequenceSummary) -> String {
        s.stopSequence != nil ? "stop_sequence" : s.finishReason == .length ? "max_tokens" : "end_turn"
    }

    private func whole(_ run: GenerationRun, id: String, model: String, tools: ToolContext?) async throws -> Response {
        let s = try await run.summary(metrics, param: "messages")
        let (text, calls) = Self.blocks(s.text, tools: tools)
        let body = AnthropicResponse(
            id: id, model: model, content: (text.map { [.text($0)] } ?? []) + calls.map { Self.toolUse($0) },
            stop_reason: calls.isEmpty ? Self.stopReason(s) : "tool_use", stop_sequence: s.stopSequence,
            usage: AnthropicUsage(input_tokens: run.promptTokens, output_tokens: s.completionTokens, cache_read_input_tokens: s.cachedTokens))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }

    /// One server-sent event with Anthropic's `event:` line.
    static func event(_ e: AnthropicEvent) -> ByteBuffer { ByteBuffer(bytes: JSON.event(e.name, e)) }

    private func events(_ run: GenerationRun, id: String, model: String, tools: ToolContext?) async throws -> Response {
        let metrics = self.metrics
        let (cursor, first) = try await run.firstEvent(param: "messages")
        let body = ResponseBody { writer in
            var hold = tools.map { ToolStreamHold(format: $0.format) }
            var textOpen = false
            func openText() async throws {
                if textOpen { return }
                textOpen = true
                try await writer.write(Self.event(.contentBlockStart(index: 0, .text(""))))
            }
            func delta(_ text: String) async throws { try await writer.write(Self.event(.textDelta(index: 0, text))) }
            do {
                try await writer.write(Self.event(.messageStart(AnthropicResponse(
                    id: id, model: model, content: [], stop_reason: nil, stop_sequence: nil,
                    usage: AnthropicUsage(input_tokens: run.promptTokens, output_tokens: 0)))))
                // Without tools the text block opens at once; with them, at its first text (a reply may be calls only).
                if tools == nil { try await openText() }
                try await writer.write(Self.event(.ping))
                try await run.relay(cursor, first: first, metrics: metrics, text: { text in
                    let shown = hold?.take(text) ?? text
                    guard !shown.isEmpty else { return }
                    try await openText()
                    try await delta(shown)
                }, finished: { s in
                    let (_, calls) = Self.blocks(s.text, tools: tools)
                    if let rest = hold?.finish(hasCalls: !calls.isEmpty), !rest.isEmpty { try await openText(); try await delta(rest) }
                    if calls.isEmpty { try await openText() }
                    if textOpen { try await writer.write(Self.event(.contentBlockStop(index: 0))) }
                    for (k, call) in calls.enumerated() {
                        let index = k + (textOpen ? 1 : 0)
                        try await writer.write(Self.event(.contentBlockStart(index: index, Self.toolUse(call, input: .object([])))))
                        try await writer.write(Self.event(.inputJSONDelta(index: index, call.argumentsText)))
                        try await writer.write(Self.event(.contentBlockStop(index: index)))
                    }
                    try await writer.write(Self.event(.messageDelta(stopReason: calls.isEmpty ? Self.stopReason(s) : "tool_use",
                                                                    stopSequence: s.stopSequence, outputTokens: s.completionTokens)))
                    try await writer.write(Self.event(.messageStop))
                }, failed: { e in
                    try await writer.write(Self.event(.error(AnthropicError(OpenAIError(e, promptParam: "messages")).body)))
                })
                try await writer.finish(nil)
            } catch {
                run.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
