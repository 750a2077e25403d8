import Foundation
import Testing
import RooflineEngine
import RooflineTestSupport

/// The continuous-batching scheduler: same text as alone, independent finishes, cancellation, limits.
@Suite(.serialized) struct SchedulerTests {
    struct Outcome {
        var pieces: [String] = []
        var tokens = 0
        var summary: SequenceSummary?
        var error: SchedulerError?
        var text: String { pieces.joined() }
    }

    /// Submits and returns a stream of the request's events plus its id.
    func submit(_ s: Scheduler, _ prompt: [Int32], _ options: GenerationOptions) throws -> (UInt64, AsyncStream<SequenceEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: SequenceEvent.self)
        let id = try s.submit(prompt: prompt, options: options) { event in
            continuation.yield(event)
            switch event {
            case .finished, .failed: continuation.finish()
            case .token, .text: break
            }
        }
        return (id, stream)
    }

    /// Submits every prompt at once and collects each one's events, in prompt order.
    func runTogether(_ s: Scheduler, _ prompts: [[Int32]], _ options: [GenerationOptions]) async throws -> [Outcome] {
        try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            for (i, (p, o)) in zip(prompts, options).enumerated() {
                let (_, stream) = try submit(s, p, o)
                group.addTask { (i, await collect(stream)) }
            }
            var out = [Outcome](repeating: Outcome(), count: prompts.count)
            for try await (i, o) in group { out[i] = o }
            return out
        }
    }

    func collect(_ stream: AsyncStream<SequenceEvent>) async -> Outcome {
        var o = Outcome()
        for await e in stream {
            switch e {
            case .token(let t, _): o.tokens += 1; if !t.isEmpty { o.pieces.append(t) }
            case .text(let t): o.pieces.append(t)
            case .finished(let s): o.summary = s
            case .failed(let err): o.error = err
            }
        }
        return o
    }

    @Test func concurrentGreedyEqualsAlone() async throws {
        let e = try #require(DefaultModel.engine)
        let texts = ["The capital of France is", "Once upon a time, in a land far away, there lived a", "def fibonacci(n):",
                     "List three colours:", "The memory wall is"]
        let limits = [24, 9, 30, 16, 20]
        let options = zip(texts, limits).map { GenerationOptions(maxTokens: $1, stop: $0.hasPrefix("List") ? ["4."] : []) }
        let alone = try zip(texts, options).map { try e.generate(prompt: e.tokenize($0), options: $1) }
        #expect(alone.reduce(0) { $0 + $1.tokens.count } > 60, "the prompts must generate enough to overlap")
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 3, contextSize: 256, prefillChunk: 4))
        let outcomes = try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            for (i, (t, o)) in zip(texts, options).enumerated() {
                let (_, stream) = try submit(s, e.tokenize(t), o)
                group.addTask { (i, await collect(stream)) }
                // The first two arrive together (they must share steps however slow the machine is); the rest
                // arrive while others run, so their prompts are fed beside running decodes.
                if i >= 1 { try await Task.sleep(for: .milliseconds(3 * i)) }
            }
            var out = [Outcome](repeating: Outcome(), count: texts.count)
            for try await (i, o) in group { out[i] = o }
            return out
        }
        for (i, o) in outcomes.enumerated() {
            let summary = try #require(o.summary, "request \(i) failed: \(String(describing: o.error))")
            #expect(o.text == alone[i].text, "request \(i)")
            #expect(summary.text == alone[i].text)
            #expect(summary.finishReason == alone[i].finishReason)
            #expect(summary.completionTokens == alone[i].tokens.count)
            #expect(o.tokens == alone[i].tokens.count)
        }
        let st = s.stats
        #expect(st.active == 0 && st.queued == 0 && st.kvUsedTokens == 0)
        #expect(st.steps < limits.reduce(0, +), "sequences must share steps, not run one after another")
        await s.shutdown(grace: .seconds(1))
    }

    /// Server-wide lookup speculation: each sequence's proposals are checked in the shared batched pass, and every
    /// request's text is what plain greedy decoding gives it alone; proposals are accepted on text that repeats,
    /// and a second round reuses the slots' cached prefixes (rolled-back positions were never kept).
    @Test func concurrentLookupEqualsPlainGreedy() async throws {
        let e = try #require(DefaultModel.engine)
        let texts = ["Repeat this sentence exactly: the quick brown fox jumps over the lazy dog. The quick brown fox",
                     "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4,", "def add(a, b):\n    return a + b\n\ndef add(a, b):\n",
                     "Once upon a time there was a king. Once upon a time", "The memory wall is"]
        let options = texts.map { _ in GenerationOptions(maxTokens: 40, sampling: .init(temperature: 0)) }
        let alone = try zip(texts, options).map { try e.generate(prompt: e.tokenize($0), options: $1) }
        var cfg = SchedulerConfiguration(parallel: 5, contextSize: 256, prefillChunk: 8)
        cfg.lookupTokens = 7
        let s = try Scheduler(engine: e, configuration: cfg)
        for round in 0..<2 {
            let outcomes = try await runTogether(s, texts.map { e.tokenize($0) }, options)
            for (i, o) in outcomes.enumerated() {
                let summary = try #require(o.summary, "round \(round) request \(i) failed: \(String(describing: o.error))")
                #expect(summary.text == alone[i].text, "round \(round) request \(i): \(summary.text.debugDescription) vs \(alone[i].text.debugDescription)")
                #expect(summary.completionTokens == alone[i].tokens.count && o.tokens == alone[i].tokens.count)
            }
        }
        let st = s.stats
        #expect(st.active == 0 && st.kvUsedTokens == 0)
        #expect(st.acceptedTokens > 20 && st.acceptedTokens <= st.proposedTokens, "\(st.acceptedTokens) of \(st.proposedTokens) accepted")
        #expect(st.prefixHitTokens > 0)
        // A request that opts out gets no proposals (and the same text).
        var optOut = options[1]
        optOut.speculative = false
        let (_, stream) = try submit(s, e.tokenize(texts[1]), optOut)
        let o = await collect(stream)
        #expect(o.summary?.text == alone[1].text)
        #expect(s.stats.proposedTokens == st.proposedTokens, "an opted-out request must not be given proposals")
        await s.shutdown(grace: .seconds(1))
    }

    /// Server-wide draft-model speculation (the default model drafting for itself, so proposals are mostly
    /// accepted): each sequence's draft proposals are checked in the shared batched pass, greedy requests get
    /// their plain greedy text and a seeded sampled one the text a scheduler without speculation gives it.
    @Test func concurrentDraftProposalsKeepEveryText() async throws {
        let e = try #require(DefaultModel.engine)
        let path = try #require(DefaultModel.path)
        let texts = ["The history of printing begins", "def fibonacci(n):", "A recipe for bread:", "The planets of the solar system are"]
        var options = texts.map { _ in GenerationOptions(maxTokens: 32, sampling: .init(temperature: 0)) }
        options[3] = GenerationOptions(maxTokens: 32, sampling: .init(temperature: 0.8, seed: 7))
        func run(_ s: Scheduler) async throws -> [Outcome] { try await runTogether(s, texts.map { e.tokenize($0) }, options) }
        let plain = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 4, contextSize: 256))
        let expected = try await run(plain)
        await plain.shutdown(grace: .seconds(1))
        var cfg = SchedulerConfiguration(parallel: 4, contextSize: 256)
        cfg.draft = try DraftModel(path: path, target: e)
        cfg.draftTokens = 4
        let s = try Scheduler(engine: e, configuration: cfg)
        let got = try await run(s)
        for i in texts.indices {
            let want = try #require(expected[i].summary?.text)
            #expect(got[i].summary?.text == want, "request \(i): \(String(describing: got[i].summary?.text)) vs \(want)")
        }
        for i in 0..<3 { #expect(got[i].summary?.text == (try e.generate(prompt: e.tokenize(texts[i]), options: options[i])).text) }
        let st = s.stats
        #expect(st.proposedTokens > 20 && st.acceptedTokens > st.proposedTokens / 2, "\(st.acceptedTokens) of \(st.proposedTokens) accepted")
        #expect(st.active == 0 && st.kvBlocks.inUse == 0)
        await s.shutdown(grace: .seconds(1))
    }

    @Test func cancelFreesTheSlot() async throws {
        let e = try Engine(path: try #require(DefaultModel.path), threads: 2, contextSize: 4096 + 64)
        // Long enough (4000 tokens, end-of-generation ignored: 20 s or more here) that the request is still
        // running when this task resumes, even when other suites keep the cooperative threads busy for seconds
        // (CI saw 8.7 s), so the cancellation below always meets a running sequence.
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 1, contextSize: 4096 + 64, maxQueue: 1))
        var long = GenerationOptions(maxTokens: 4000)
        long.ignoreEOS = true
        let (id, stream) = try submit(s, e.tokenize("1, 2, 3, 4, 5, 6,"), long)
        var it = stream.makeAsyncIterator()
        _ = await it.next()  // the first token: the request holds the only slot
        #expect(s.stats.active == 1 && s.stats.kvUsedTokens > 0)
        s.cancel(id)
        var last: SequenceEvent?
        while let ev = await it.next() { last = ev }
        guard case .failed(.cancelled) = last else { Issue.record("expected a cancelled end, got \(String(describing: last))"); return }
        #expect(s.stats.active == 0 && s.stats.kvUsedTokens == 0)
        // The slot serves the next request.
        let (_, next) = try submit(s, e.tokenize("Hi"), GenerationOptions(maxTokens: 4))
        let o = await collect(next)
        #expect(o.summary?.completionTokens ?? 0 > 0)
        await s.shutdown(grace: .seconds(1))
    }

    @Test func queueOverflowIsRefused() async throws {
        let e = try #require(DefaultModel.engine)
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 1, contextSize: 256, maxQueue: 1))
        let p = e.tokenize("Count from one to one hundred:")
        var streams: [AsyncStream<SequenceEvent>] = []
        var refused = 0
        for _ in 0..<4 {
            do {
                streams.append(try submit(s, p, GenerationOptions(maxTokens: 40)).1)
            } catch let err as SchedulerError {
                #expect(err == .queueFull(limit: 1))
                refused += 1
            }
        }
        // One may be admitted at once, one may wait: at least two of four are refused.
        #expect(refused >= 2 && streams.count <= 2)
        for st in streams { #expect(await collect(st).summary != nil) }
        await s.shutdown(grace: .seconds(1))
    }

    @Test func limitsAndShutdown() async throws {
        let e = try #require(DefaultModel.engine)
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 64,
                                                                               requestTimeout: .milliseconds(150)))
        #expect(throws: SchedulerError.promptTooLong(promptTokens: 64, contextSize: 64)) {
            try s.submit(prompt: [Int32](repeating: 1, count: 64), options: GenerationOptions()) { _ in }
        }
        #expect(throws: SchedulerError.emptyPrompt) { try s.submit(prompt: [], options: GenerationOptions()) { _ in } }
        // Generation stops at the context: finish reason length, prompt + completion = context.
        let prompt = e.tokenize("Write a very long essay about the sea.")
        let (_, full) = try submit(s, prompt, GenerationOptions(maxTokens: 1000, sampling: .init(temperature: 0)))
        let o = await collect(full)
        if let sum = o.summary {
            #expect(sum.finishReason == .length || sum.finishReason == .stop)
            #expect(sum.promptTokens + sum.completionTokens <= 64)
        } else {
            guard case .timedOut = o.error else { Issue.record("neither finished nor timed out: \(String(describing: o.error))"); return }
        }
        await s.shutdown(grace: .seconds(1))
        #expect(throws: SchedulerError.shuttingDown) { try s.submit(prompt: prompt, options: GenerationOptions()) { _ in } }
    }

    @Test func requestTimeout() async throws {
        let e = try #require(DefaultModel.engine)
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 1, contextSize: 512,
                                                                               requestTimeout: .milliseconds(100)))
        let (_, stream) = try submit(s, e.tokenize("1, 2, 3, 4, 5, 6,"), GenerationOptions(maxTokens: 400))
        let o = await collect(stream)
        guard case .timedOut = o.error else { Issue.record("expected a time-out, got \(String(describing: o.error)), \(o.tokens) tokens"); return }
        #expect(s.stats.active == 0)
        await s.shutdown(grace: .seconds(1))
    }

    @Test func ignoreEOSRunsToTheLimit() throws {
        let e = try #require(DefaultModel.engine)
        let prompt = try e.chatPrompt([.init(role: "user", content: "Say hi.")])
        let normal = try e.generate(prompt: prompt, options: GenerationOptions(maxTokens: 60))
        #expect(normal.finishReason == .stop && normal.tokens.count < 60, "the model should end its short answer itself")
        let forced = try e.generate(prompt: prompt, options: GenerationOptions(maxTokens: 60, ignoreEOS: true))
        #expect(forced.finishReason == .length && forced.tokens.count == 60)
        #expect(forced.tokens.allSatisfy { !e.tokenizer.endOfGeneration.contains($0) })
        #expect(Array(forced.tokens.prefix(normal.tokens.count)) == normal.tokens)
    }
}
