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
        let echo: ResponsesEcho
        /// Set when tools may be called: replies are read for calls.
        let tools: ToolContext?

        /// A finished reply's output items: the message (when there is text, or no call), then one
        /// function_call item per call.
        func outputs(_ text: String) -> (message: String?, calls: [FunctionCallItem]) {
            guard let tools else { return (text, []) }
            let (content, calls, _) = tools.read(text)
            return (content, calls.map { FunctionCallItem(id: "fc_" + Self.hex(), call_id: $0.id, name: $0.name, arguments: $0.argumentsText) })
        }

        static func hex() -> String { (0..<12).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined() }

        func part(_ text: String) -> OutputText { OutputText(text: text) }

        func item(_ text: String?, done: Bool) -> OutputItem {
            .message(MessageItem(id: itemID, status: done ? "completed" : "in_progress", content: text.map { [part($0)] } ?? []))
        }

        /// The response object; `summary` nil while it runs; `outputs` the finished reply read (`outputs(_:)`).
        func response(_ summary: SequenceSummary?, promptTokens: Int, outputs: (message: String?, calls: [FunctionCallItem])? = nil) -> ResponseObject {
            var output: [OutputItem] = []
            if let summary {
                let o = outputs ?? self.outputs(summary.text)
                if let m = o.message { output.append(item(m, done: true)) }
                output += o.calls.map(OutputItem.functionCall)
            }
            let incomplete = summary?.finishReason == .length
            return ResponseObject(id: id, createdAt: created, model: model,
                                  status: summary == nil ? "in_progress" : incomplete ? "incomplete" : "completed", output: output,
                                  incompleteReason: incomplete ? "max_output_tokens" : nil, echo: echo,
                                  usage: summary.map { ResponsesUsage(input: promptTokens, output: $0.completionTokens, cached: $0.cachedTokens) })
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
            func send(_ event: ResponsesEvent) async throws {
                try await writer.write(ByteBuffer(bytes: JSON.event(event.type, SequencedResponsesEvent(event: event, sequence: sequence))))
                sequence += 1
            }
            var hold = shape.tools.map { ToolStreamHold(format: $0.format) }
            var messageOpen = false
            func openMessage() async throws {
                if messageOpen { return }
                messageOpen = true
                try await send(.outputItemAdded(index: 0, shape.item(nil, done: false)))
                try await send(.contentPartAdded(item: shape.itemID, shape.part("")))
            }
            do {
                try await send(.created(shape.response(nil, promptTokens: run.promptTokens)))
                try await send(.inProgress(shape.response(nil, promptTokens: run.promptTokens)))
                // Without tools the message opens at once; with them, at its first text (a reply may be calls only).
                if shape.tools == nil { try await openMessage() }
                try await run.relay(cursor, first: first, metrics: metrics, text: { text in
                    let shown = hold?.take(text) ?? text
                    guard !shown.isEmpty else { return }
                    try await openMessage()
                    try await send(.outputTextDelta(item: shape.itemID, shown))
                }, finished: { s in
                    let outputs = shape.outputs(s.text)
                    if let rest = hold?.finish(hasCalls: !outputs.calls.isEmpty), !rest.isEmpty {
                        try await openMessage()
                        try await send(.outputTextDelta(item: shape.itemID, rest))
                    }
                    if outputs.calls.isEmpty { try await openMessage() }
                    if messageOpen {
                        let text = outputs.message ?? ""
                        try await send(.outputTextDone(item: shape.itemID, text))
                        try await send(.contentPartDone(item: shape.itemID, shape.part(text)))
                        try await send(.outputItemDone(index: 0, shape.item(text, done: true)))
                    }
                    for (k, call) in outputs.calls.enumerated() {
                        let index = k + (messageOpen ? 1 : 0)
                        var opening = call
                        opening.status = "in_progress"
                        opening.arguments = ""
                        try await send(.outputItemAdded(index: index, .functionCall(opening)))
                        try await send(.argumentsDelta(item: call.id, index: index, call.arguments))
                        try await send(.argumentsDone(item: call.id, index: index, call.arguments))
                        try await send(.outputItemDone(index: index, .functionCall(call)))
                    }
                    let response = shape.response(s, promptTokens: run.promptTokens, outputs: outputs)
                    try await send(s.finishReason == .length ? .incomplete(response) : .completed(response))
                }, failed: { e in
                    let err = OpenAIError(e, promptParam: "input")
                    try await send(.error(code: err.code, message: err.message, param: err.param))
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
