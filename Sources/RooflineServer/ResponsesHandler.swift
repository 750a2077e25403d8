import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RooflineAPI
import RooflineEngine

/// Answers `POST /v1/responses` (stateless) in OpenAI's Responses shapes: a `response` object whose output is one
/// assistant message of `output_text`, or its event stream (response.created, response.in_progress,
/// response.output_item.added, response.content_part.added, response.output_text.delta…,
/// response.output_text.done, response.content_part.done, response.output_item.done, response.completed), each
/// event with its `sequence_number`.
struct ResponsesHandler: Sendable {
    let scheduler: Scheduler
    let metrics: ServerMetrics

    struct Shape: Sendable {
        let id = "resp_" + Self.hex()
        let itemID = "msg_" + Self.hex()
        let created = Int(Date().timeIntervalSince1970)
        let model: String
        let request: [String: Any & Sendable]
        /// Set when tools may be called: replies are read for calls.
        let tools: ToolContext?

        /// A finished reply's output items: the message (when there is text, or no call), then one
        /// function_call item per call.
        func outputs(_ text: String) -> (message: String?, calls: [[String: Any]]) {
            guard let tools else { return (text, []) }
            let (content, calls, _) = tools.read(text)
            return (content, calls.map { c in
                let f = c["function"] as? [String: Any] ?? [:]
                return ["type": "function_call", "id": "fc_" + Self.hex(), "call_id": c["id"] ?? "", "name": f["name"] ?? "",
                        "arguments": f["arguments"] ?? "{}", "status": "completed"]
            })
        }

        static func hex() -> String { (0..<12).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined() }

        func part(_ text: String) -> [String: Any] { ["type": "output_text", "text": text, "annotations": [] as [Any]] }

        func item(_ text: String?, done: Bool) -> [String: Any] {
            ["type": "message", "id": itemID, "status": done ? "completed" : "in_progress", "role": "assistant",
             "content": text.map { [part($0)] } ?? []]
        }

        /// The response object; `summary` nil while it runs; `outputs` the finished reply read (`outputs(_:)`).
        func response(_ summary: SequenceSummary?, promptTokens: Int, outputs: (message: String?, calls: [[String: Any]])? = nil) -> [String: Any] {
            var output: [[String: Any]] = []
            if let summary {
                let o = outputs ?? self.outputs(summary.text)
                if let m = o.message { output.append(item(m, done: true)) }
                output += o.calls
            }
            var r: [String: Any] = ["id": id, "object": "response", "created_at": created, "model": model,
                                    "status": summary == nil ? "in_progress" : summary?.finishReason == .length ? "incomplete" : "completed",
                                    "output": output, "error": NSNull(),
                                    "incomplete_details": summary?.finishReason == .length ? ["reason": "max_output_tokens"] : NSNull(),
                                    "parallel_tool_calls": false, "tool_choice": "none", "tools": [] as [Any], "store": false,
                                    "text": ["format": ["type": "text"]]]
            for (k, v) in request { r[k] = v }
            if let s = summary {
                r["usage"] = ["input_tokens": promptTokens, "output_tokens": s.completionTokens, "total_tokens": promptTokens + s.completionTokens,
                              "input_tokens_details": ["cached_tokens": s.cachedTokens], "output_tokens_details": ["reasoning_tokens": 0]]
            } else {
                r["usage"] = NSNull()
            }
            return r
        }
    }

    func respond(prompt: [Int32], options checked: RequestOptions, stream: Bool, shape: Shape) async throws -> Response {
        var options = GenerationOptions(maxTokens: checked.maxTokens, sampling: checked.sampling)
        options.grammar = shape.tools?.grammar ?? checked.grammar
        let run: GenerationRun
        do {
            run = try GenerationRun(scheduler: scheduler, prompt: prompt, options: options, n: 1, arrived: .now)
        } catch {
            throw OpenAIError(error, promptParam: "input")
        }
        metrics.promptTokens.increment(by: Int64(prompt.count))
        return stream ? try await events(run, shape) : try await whole(run, shape)
    }

    private func whole(_ run: GenerationRun, _ shape: Shape) async throws -> Response {
        let s = try await run.summary(metrics, param: "input")
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(shape.response(s, promptTokens: run.promptTokens)))))
    }

    private func events(_ run: GenerationRun, _ shape: Shape) async throws -> Response {
        let metrics = self.metrics
        let (cursor, first) = try await run.firstEvent(param: "input")
        let body = ResponseBody { writer in
            var sequence = 0
            func send(_ type: String, _ fields: [String: Any]) async throws {
                var data = fields
                data["type"] = type
                data["sequence_number"] = sequence
                sequence += 1
                try await writer.write(AnthropicHandler.event(type, data))
            }
            let at: [String: Any] = ["item_id": shape.itemID, "output_index": 0, "content_index": 0]
            var hold = shape.tools.map { ToolStreamHold(format: $0.format) }
            var messageOpen = false
            func openMessage() async throws {
                if messageOpen { return }
                messageOpen = true
                try await send("response.output_item.added", ["output_index": 0, "item": shape.item(nil, done: false)])
                try await send("response.content_part.added", at.merging(["part": shape.part("")]) { a, _ in a })
            }
            do {
                try await send("response.created", ["response": shape.response(nil, promptTokens: run.promptTokens)])
                try await send("response.in_progress", ["response": shape.response(nil, promptTokens: run.promptTokens)])
                // Without tools the message opens at once; with them, at its first text (a reply may be calls only).
                if shape.tools == nil { try await openMessage() }
                try await run.relay(cursor, first: first, metrics: metrics, text: { text in
                    let shown = hold?.take(text) ?? text
                    guard !shown.isEmpty else { return }
                    try await openMessage()
                    try await send("response.output_text.delta", at.merging(["delta": shown]) { a, _ in a })
                }, finished: { s in
                    let outputs = shape.outputs(s.text)
                    if let rest = hold?.finish(hasCalls: !outputs.calls.isEmpty), !rest.isEmpty {
                        try await openMessage()
                        try await send("response.output_text.delta", at.merging(["delta": rest]) { a, _ in a })
                    }
                    if outputs.calls.isEmpty { try await openMessage() }
                    if messageOpen {
                        let text = outputs.message ?? ""
                        try await send("response.output_text.done", at.merging(["text": text]) { a, _ in a })
                        try await send("response.content_part.done", at.merging(["part": shape.part(text)]) { a, _ in a })
                        try await send("response.output_item.done", ["output_index": 0, "item": shape.item(text, done: true)])
                    }
                    for (k, call) in outputs.calls.enumerated() {
                        let index = k + (messageOpen ? 1 : 0)
                        var opening = call
                        opening["status"] = "in_progress"
                        opening["arguments"] = ""
                        let id = call["id"] ?? ""
                        try await send("response.output_item.added", ["output_index": index, "item": opening])
                        try await send("response.function_call_arguments.delta", ["item_id": id, "output_index": index, "delta": call["arguments"] ?? ""])
                        try await send("response.function_call_arguments.done", ["item_id": id, "output_index": index, "arguments": call["arguments"] ?? ""])
                        try await send("response.output_item.done", ["output_index": index, "item": call])
                    }
                    try await send(s.finishReason == .length ? "response.incomplete" : "response.completed",
                                   ["response": shape.response(s, promptTokens: run.promptTokens, outputs: outputs)])
                }, failed: { e in
                    let err = OpenAIError(e, promptParam: "input")
                    try await send("error", ["code": err.code ?? NSNull(), "message": err.message, "param": err.param ?? NSNull()])
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
