import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RooflineAPI
import RooflineEngine
import RooflineSampling

/// Runs a validated generation request through the scheduler and answers it whole or as Server-Sent Events.
struct GenerationHandler: Sendable {
    let scheduler: Scheduler
    let metrics: ServerMetrics

    func respond(_ shape: ResponseShape, prompt: [Int32], fields: SamplingFields, promptParam: String, echo: String?,
                 tools: ToolContext? = nil) async throws -> Response {
        let checked: RequestOptions
        do throws(RequestError) { checked = try fields.options(maxParallel: scheduler.configuration.parallel) } catch { throw OpenAIError(error) }
        let n = checked.n
        var options = GenerationOptions(maxTokens: checked.maxTokens, sampling: checked.sampling, stop: checked.stop, ignoreEOS: checked.ignoreEOS,
                                        logprobs: checked.logprobs)
        options.grammar = tools?.grammar ?? checked.grammar
        options.speculative = checked.speculative
        let format = checked.logprobs == nil ? nil : LogprobFormat(tokenizer: scheduler.engine.tokenizer)
        let run: GenerationRun
        do {
            run = try GenerationRun(scheduler: scheduler, prompt: prompt, options: options, n: n, arrived: .now)
        } catch {
            throw OpenAIError(error, promptParam: promptParam)
        }
        metrics.promptTokens.increment(by: Int64(prompt.count))
        if fields.stream == true {
            return try await stream(run, shape, n: n, includeUsage: fields.stream_options?.include_usage ?? false, echo: echo,
                                    promptParam: promptParam, format: format, tools: tools)
        }
        return try await collect(run, shape, n: n, echo: echo, promptParam: promptParam, format: format, tools: tools)
    }

    private func collect(_ run: GenerationRun, _ shape: ResponseShape, n: Int, echo: String?, promptParam: String,
                         format: LogprobFormat?, tools: ToolContext?) async throws -> Response {
        var texts = [String](repeating: "", count: n)
        var logprobs = [[TokenLogprob]](repeating: [], count: n)
        var finishes = [FinishReason?](repeating: nil, count: n)
        var completion = 0, cached = 0
        var latency = LatencyTracker(metrics: metrics, arrived: run.arrived, n: n)
        for await (i, event) in run.events {
            switch event {
            case .token: latency.token(i)
            case .text: break
            case .finished(let s):
                texts[i] = (echo ?? "") + s.text
                logprobs[i] = s.logprobs
                cached = max(cached, s.cachedTokens)
                finishes[i] = s.finishReason
                completion += s.completionTokens
            case .failed(let e):
                run.cancel()
                throw OpenAIError(e, promptParam: promptParam)
            }
        }
        guard finishes.allSatisfy({ $0 != nil }) else {  // the handler was cancelled: the client is gone
            run.cancel()
            throw OpenAIError(SchedulerError.cancelled, promptParam: promptParam)
        }
        metrics.requestDuration.record(.now - run.arrived)
        let read = tools.map { t in texts.map { t.read($0) } }
        let body = shape.completion(texts: texts, finishes: finishes.map { $0 ?? .length }, promptTokens: run.promptTokens, completionTokens: completion,
                                    cachedTokens: cached, logprobs: format == nil ? nil : logprobs, format: format, tools: read)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }

    /// Streams events as SSE. The status line waits for the first event, so a request that fails before it
    /// produces anything (refused at shutdown, timed out in the queue) gets its error status, not a 200.
    private func stream(_ run: GenerationRun, _ shape: ResponseShape, n: Int, includeUsage: Bool, echo: String?, promptParam: String,
                        format: LogprobFormat?, tools: ToolContext?) async throws -> Response {
        let metrics = self.metrics
        let (events, first) = try await run.firstEvent(param: promptParam)
        let body = ResponseBody { writer in
            var latency = LatencyTracker(metrics: metrics, arrived: run.arrived, n: n)
            var completion = 0, cached = 0
            var offsets = [Int](repeating: echo?.count ?? 0, count: n)
            var holds = tools.map { t in [ToolStreamHold](repeating: ToolStreamHold(format: t.format), count: n) }
            /// Passes text on (what the tool hold lets through), and reasoning read from it as its own deltas.
            func show(_ i: Int, _ text: String) async throws {
                let shown = holds?[i].take(text) ?? text
                try await showReasoning(i)
                if !shown.isEmpty { try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: shown, finish: nil)))) }
            }
            func showReasoning(_ i: Int) async throws {
                guard let r = holds?[i].takeReasoning(), !r.isEmpty else { return }
                try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: r, finish: nil, reasoning: true))))
            }
            do {
                for i in 0..<n {
                    switch shape.kind {
                    case .chat: try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: "", finish: nil, role: true))))
                    case .completion:
                        if let echo { try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: echo, finish: nil)))) }
                    }
                }
                var failed = false
                var pending: (index: Int, event: SequenceEvent)? = first
                while let (i, event) = pending {
                    switch event {
                    case .token(let text, let logprob):
                        latency.token(i)
                        if let logprob, let format {
                            // With log-probabilities every token gets its chunk, even one whose text is held back.
                            try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: text, finish: nil, logprob: logprob,
                                                                                             format: format, offset: offsets[i]))))
                            offsets[i] += text.count
                        } else if !text.isEmpty {
                            try await show(i, text)
                        }
                    case .text(let text):
                        try await show(i, text)
                    case .finished(let s):
                        completion += s.completionTokens
                        cached = max(cached, s.cachedTokens)
                        if let tools, holds != nil {
                            // the held text: calls (each streamed as one tool_calls delta), or content after all
                            let (_, calls, _) = tools.read(holds![i].all)
                            let rest = holds![i].finish(hasCalls: !calls.isEmpty)
                            try await showReasoning(i)
                            if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: rest, finish: nil)))) }
                            if !calls.isEmpty {
                                for (k, call) in calls.enumerated() {
                                    try await writer.write(ByteBuffer(bytes: JSON.event(shape.toolCallChunk(index: i, callIndex: k, call: call))))
                                }
                                try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: "", finish: s.finishReason, toolCalls: true))))
                                break
                            }
                        }
                        try await writer.write(ByteBuffer(bytes: JSON.event(shape.chunk(index: i, text: "", finish: s.finishReason))))
                    case .failed(let e):
                        run.cancel()
                        failed = true
                        let err = OpenAIError(e, promptParam: promptParam)
                        try await writer.write(ByteBuffer(bytes: JSON.event(err.body)))
                    }
                    if failed { break }
                    pending = await events.next()
                }
                if !failed {
                    if includeUsage {
                        try await writer.write(ByteBuffer(bytes: JSON.event(shape.usageChunk(promptTokens: run.promptTokens, completionTokens: completion, cachedTokens: cached))))
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                }
                metrics.requestDuration.record(.now - run.arrived)
                try await writer.finish(nil)
            } catch {
                run.cancel()  // the client went away mid-stream: free its slots now
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

/// The run's event iterator, handed from the handler (which reads the first event) to the response body.
final class EventCursor: @unchecked Sendable {
    private var iterator: AsyncStream<(index: Int, event: SequenceEvent)>.Iterator
    init(_ iterator: AsyncStream<(index: Int, event: SequenceEvent)>.Iterator) { self.iterator = iterator }
    func next() async -> (index: Int, event: SequenceEvent)? { await iterator.next() }
}

/// Time to first token and time between tokens, per sequence of a request.
struct LatencyTracker {
    let metrics: ServerMetrics
    let arrived: ContinuousClock.Instant
    var last: [ContinuousClock.Instant?]

    init(metrics: ServerMetrics, arrived: ContinuousClock.Instant, n: Int) {
        self.metrics = metrics
        self.arrived = arrived
        last = Array(repeating: nil, count: n)
    }

    mutating func token(_ i: Int) {
        let now = ContinuousClock.Instant.now
        if let prev = last[i] { metrics.interTokenLatency.record(now - prev) } else { metrics.timeToFirstToken.record(now - arrived) }
        last[i] = now
        metrics.generatedTokens.increment()
    }
}
