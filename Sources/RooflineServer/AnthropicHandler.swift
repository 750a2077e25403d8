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

    func respond(prompt: [Int32], options checked: RequestOptions, stream: Bool, model: String) async throws -> Response {
        let options = GenerationOptions(maxTokens: checked.maxTokens, sampling: checked.sampling, stop: checked.stop)
        let run: GenerationRun
        do {
            run = try GenerationRun(scheduler: scheduler, prompt: prompt, options: options, n: 1, arrived: .now)
        } catch {
            throw OpenAIError(error, promptParam: "messages")
        }
        metrics.promptTokens.increment(by: Int64(prompt.count))
        let id = "msg_" + (0..<12).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
        return stream ? try await events(run, id: id, model: model) : try await whole(run, id: id, model: model)
    }

    /// Anthropic's stop_reason for a finished sequence.
    static func stopReason(_ s: SequenceSummary) -> String {
        s.stopSequence != nil ? "stop_sequence" : s.finishReason == .length ? "max_tokens" : "end_turn"
    }

    private func whole(_ run: GenerationRun, id: String, model: String) async throws -> Response {
        let s = try await run.summary(metrics, param: "messages")
        let body: [String: Any] = [
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": [["type": "text", "text": s.text]],
            "stop_reason": Self.stopReason(s), "stop_sequence": s.stopSequence ?? NSNull(),
            "usage": ["input_tokens": run.promptTokens, "output_tokens": s.completionTokens, "cache_read_input_tokens": s.cachedTokens],
        ]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }

    /// One server-sent event with Anthropic's `event:` line.
    static func event(_ name: String, _ data: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: Data("event: \(name)\n".utf8) + JSON.event(data))
    }

    private func events(_ run: GenerationRun, id: String, model: String) async throws -> Response {
        let metrics = self.metrics
        let (cursor, first) = try await run.firstEvent(param: "messages")
        let body = ResponseBody { writer in
            do {
                try await writer.write(Self.event("message_start", ["type": "message_start", "message": [
                    "id": id, "type": "message", "role": "assistant", "model": model, "content": [] as [Any],
                    "stop_reason": NSNull(), "stop_sequence": NSNull(), "usage": ["input_tokens": run.promptTokens, "output_tokens": 0],
                ] as [String: Any]]))
                try await writer.write(Self.event("content_block_start", ["type": "content_block_start", "index": 0,
                                                                          "content_block": ["type": "text", "text": ""]]))
                try await writer.write(Self.event("ping", ["type": "ping"]))
                try await run.relay(cursor, first: first, metrics: metrics, text: { text in
                    try await writer.write(Self.event("content_block_delta", ["type": "content_block_delta", "index": 0,
                                                                              "delta": ["type": "text_delta", "text": text]]))
                }, finished: { s in
                    try await writer.write(Self.event("content_block_stop", ["type": "content_block_stop", "index": 0]))
                    try await writer.write(Self.event("message_delta", [
                        "type": "message_delta",
                        "delta": ["stop_reason": Self.stopReason(s), "stop_sequence": s.stopSequence ?? NSNull()] as [String: Any],
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
