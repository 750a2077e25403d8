import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RooflineAPI
import RooflineEngine

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
    /// `json`: each call's input as the model wrote it (for the streamed input_json_delta).
    static func blocks(_ text: String, tools: ToolContext?) -> (text: String?, uses: [(block: [String: Any], json: String)]) {
        guard let tools else { return (text, []) }
        let (content, calls, _) = tools.read(text)
        return (content, calls.map { c in
            let f = c["function"] as? [String: Any] ?? [:]
            let json = f["arguments"] as? String ?? "{}"
            let input = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) ?? [String: Any]()
            let id = "toolu_" + String((c["id"] as? String ?? "").dropFirst("call_".count))
            return (["type": "tool_use", "id": id, "name": f["name"] ?? "", "input": input], json)
        })
    }

    /// Anthropic's stop_reason for a finished sequence.
    static func stopReason(_ s: SequenceSummary) -> String {
        s.stopSequence != nil ? "stop_sequence" : s.finishReason == .length ? "max_tokens" : "end_turn"
    }

    private func whole(_ run: GenerationRun, id: String, model: String, tools: ToolContext?) async throws -> Response {
        let s = try await run.summary(metrics, param: "messages")
        let (text, uses) = Self.blocks(s.text, tools: tools)
        let body: [String: Any] = [
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": (text.map { [["type": "text", "text": $0]] } ?? []) + uses.map(\.block),
            "stop_reason": uses.isEmpty ? Self.stopReason(s) : "tool_use", "stop_sequence": s.stopSequence ?? NSNull(),
            "usage": ["input_tokens": run.promptTokens, "output_tokens": s.completionTokens, "cache_read_input_tokens": s.cachedTokens],
        ]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }

    /// One server-sent event with Anthropic's `event:` line.
    static func event(_ name: String, _ data: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: Data("event: \(name)\n".utf8) + JSON.event(data))
    }

    private func events(_ run: GenerationRun, id: String, model: String, tools: ToolContext?) async throws -> Response {
        let metrics = self.metrics
        let (cursor, first) = try await run.firstEvent(param: "messages")
        let body = ResponseBody { writer in
            var hold = tools.map { ToolStreamHold(format: $0.format) }
            var textOpen = false
            func openText() async throws {
                if textOpen { return }
                textOpen = true
                try await writer.write(Self.event("content_block_start", ["type": "content_block_start", "index": 0,
                                                                          "content_block": ["type": "text", "text": ""]]))
            }
            func delta(_ text: String) async throws {
                try await writer.write(Self.event("content_block_delta", ["type": "content_block_delta", "index": 0,
                                                                          "delta": ["type": "text_delta", "text": text]]))
            }
            do {
                try await writer.write(Self.event("message_start", ["type": "message_start", "message": [
                    "id": id, "type": "message", "role": "assistant", "model": model, "content": [] as [Any],
                    "stop_reason": NSNull(), "stop_sequence": NSNull(), "usage": ["input_tokens": run.promptTokens, "output_tokens": 0],
                ] as [String: Any]]))
                // Without tools the text block opens at once; with them, at its first text (a reply may be calls only).
                if tools == nil { try await openText() }
                try await writer.write(Self.event("ping", ["type": "ping"]))
                try await run.relay(cursor, first: first, metrics: metrics, text: { text in
                    let shown = hold?.take(text) ?? text
                    guard !shown.isEmpty else { return }
                    try await openText()
                    try await delta(shown)
                }, finished: { s in
                    let (_, uses) = Self.blocks(s.text, tools: tools)
                    if let rest = hold?.finish(hasCalls: !uses.isEmpty), !rest.isEmpty { try await openText(); try await delta(rest) }
                    if uses.isEmpty { try await openText() }
                    if textOpen { try await writer.write(Self.event("content_block_stop", ["type": "content_block_stop", "index": 0])) }
                    for (k, use) in uses.enumerated() {
                        let index = k + (textOpen ? 1 : 0)
                        var start = use.block
                        start["input"] = [String: Any]()
                        let json = use.json
                        try await writer.write(Self.event("content_block_start", ["type": "content_block_start", "index": index, "content_block": start]))
                        try await writer.write(Self.event("content_block_delta", ["type": "content_block_delta", "index": index,
                                                                                  "delta": ["type": "input_json_delta", "partial_json": json]]))
                        try await writer.write(Self.event("content_block_stop", ["type": "content_block_stop", "index": index]))
                    }
                    try await writer.write(Self.event("message_delta", [
                        "type": "message_delta",
                        "delta": ["stop_reason": uses.isEmpty ? Self.stopReason(s) : "tool_use", "stop_sequence": s.stopSequence ?? NSNull()] as [String: Any],
                        "usage": ["output_tokens": s.completionTokens],
                    ]))
                    try await writer.write(Self.event("message_stop", ["type": "message_stop"]))
                }, failed: { e in
                    try await writer.write(Self.event("error", AnthropicError(OpenAIError(e, promptParam: "messages")).body))
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
