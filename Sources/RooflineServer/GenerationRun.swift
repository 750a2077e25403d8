import Foundation
import RooflineEngine

/// The sequences of one request (`n` of them) running in the scheduler, as one stream of indexed events.
/// Ending the stream early (a client gone, a failed write) cancels every sequence at once.
final class GenerationRun: Sendable {
    let events: AsyncStream<(index: Int, event: SequenceEvent)>
    let promptTokens: Int
    let arrived: ContinuousClock.Instant
    private let ids: LockedIDs
    private let scheduler: Scheduler

    private final class LockedIDs: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [UInt64] = []
        private var open: Int
        init(open: Int) { self.open = open }
        func add(_ id: UInt64) { lock.lock(); ids.append(id); lock.unlock() }
        var all: [UInt64] { lock.lock(); defer { lock.unlock() }; return ids }
        /// Counts down the sequences still running; true when the last one ends.
        func close() -> Bool { lock.lock(); defer { lock.unlock() }; open -= 1; return open == 0 }
    }

    init(scheduler: Scheduler, prompt: [Int32], options: GenerationOptions, n: Int, arrived: ContinuousClock.Instant) throws(SchedulerError) {
        self.scheduler = scheduler
        self.arrived = arrived
        promptTokens = prompt.count
        let ids = LockedIDs(open: n)
        self.ids = ids
        let (stream, continuation) = AsyncStream.makeStream(of: (index: Int, event: SequenceEvent).self, bufferingPolicy: .unbounded)
        events = stream
        continuation.onTermination = { reason in
            if case .cancelled = reason { for id in ids.all { scheduler.cancel(id) } }
        }
        for i in 0..<n {
            var o = options
            o.sampling.seed &+= UInt64(i)  // n samples differ; greedy ones are the same
            do {
                let id = try scheduler.submit(prompt: prompt, options: o) { event in
                    continuation.yield((i, event))
                    switch event {
                    case .finished, .failed: if ids.close() { continuation.finish() }
                    case .token, .text: break
                    }
                }
                ids.add(id)
            } catch {
                for id in ids.all { scheduler.cancel(id) }
                continuation.finish()
                throw error
            }
        }
    }

    /// Stops every sequence of the request.
    func cancel() { for id in ids.all { scheduler.cancel(id) } }
}

extension OpenAIError {
    init(_ e: SchedulerError, promptParam: String) {
        switch e {
        case .queueFull:
            self.init(.tooManyRequests, e.description, type: "rate_limit_error", code: "queue_full")
        case .promptTooLong:
            self.init(.badRequest, e.description, param: promptParam, code: "context_length_exceeded")
        case .emptyPrompt:
            self.init(.badRequest, e.description, param: promptParam, code: "invalid_value")
        case .invalidSampling(let m):
            self.init(.badRequest, m, code: "invalid_value")
        case .shuttingDown:
            self.init(.serviceUnavailable, e.description, type: "server_error", code: "shutting_down")
        case .timedOut:
            self.init(.gatewayTimeout, e.description, type: "timeout", code: "timeout")
        case .cancelled:
            self.init(.serviceUnavailable, e.description, type: "server_error", code: "cancelled")
        case .model:
            self.init(.internalServerError, e.description, type: "server_error", code: nil)
        }
    }
}

extension GenerationRun {
    /// The one sequence's summary (a request with n = 1), its tokens timed; a failure or a gone client is an
    /// `OpenAIError` naming `param` for prompt errors.
    func summary(_ metrics: ServerMetrics, param: String) async throws -> SequenceSummary {
        var latency = LatencyTracker(metrics: metrics, arrived: arrived, n: 1)
        var summary: SequenceSummary?
        for await (i, event) in events {
            switch event {
            case .token: latency.token(i)
            case .text: break
            case .finished(let s): summary = s
            case .failed(let e):
                cancel()
                throw OpenAIError(e, promptParam: param)
            }
        }
        guard let s = summary else {
            cancel()
            throw OpenAIError(SchedulerError.cancelled, promptParam: param)
        }
        metrics.requestDuration.record(.now - arrived)
        return s
    }

    /// The first event, read before a stream's status line is sent: a request that fails before producing
    /// anything gets its error status instead of a 200.
    func firstEvent(param: String) async throws -> (EventCursor, (index: Int, event: SequenceEvent)) {
        let cursor = EventCursor(events.makeAsyncIterator())
        guard let first = await cursor.next() else {
            cancel()
            throw OpenAIError(SchedulerError.cancelled, promptParam: param)
        }
        if case .failed(let e) = first.event {
            cancel()
            throw OpenAIError(e, promptParam: param)
        }
        return (cursor, first)
    }
}

extension GenerationRun {
    /// Drives a one-sequence stream from its first event to its end: `text` for every piece of text (tokens are
    /// timed), `finished` once, or `failed` (the run cancelled) if the sequence fails; then records the duration.
    func relay(_ cursor: EventCursor, first: (index: Int, event: SequenceEvent), metrics: ServerMetrics,
               text: (String) async throws -> Void, finished: (SequenceSummary) async throws -> Void,
               failed: (SchedulerError) async throws -> Void) async throws {
        var latency = LatencyTracker(metrics: metrics, arrived: arrived, n: 1)
        var pending: (index: Int, event: SequenceEvent)? = first
        while let (i, event) = pending {
            switch event {
            case .token(let t, _):
                latency.token(i)
                if !t.isEmpty { try await text(t) }
            case .text(let t):
                if !t.isEmpty { try await text(t) }
            case .finished(let s):
                try await finished(s)
            case .failed(let e):
                cancel()
                try await failed(e)
                pending = nil
                continue
            }
            pending = await cursor.next()
        }
        metrics.requestDuration.record(.now - arrived)
    }
}
