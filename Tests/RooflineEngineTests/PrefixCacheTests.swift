import Foundation
import Testing
import RooflineEngine
import RooflineModel
import RooflineTestSupport

/// The scheduler's prefix cache over paged KV: full 32-position blocks a request computed are kept after it ends
/// and shared by later requests with the same prefix (prefilling only the rest), with the same greedy text, and
/// the counters say so.
@Suite(.serialized) struct PrefixCacheTests {
    func run(_ s: Scheduler, _ prompt: [Int32], _ options: GenerationOptions) async throws -> SequenceSummary {
        let (stream, continuation) = AsyncStream.makeStream(of: SequenceEvent.self)
        try s.submit(prompt: prompt, options: options) { event in
            continuation.yield(event)
            if case .finished = event { continuation.finish() }
            if case .failed = event { continuation.finish() }
        }
        for await e in stream {
            if case .finished(let summary) = e { return summary }
            if case .failed(let why) = e { throw why }
        }
        throw SchedulerError.cancelled
    }

    static let system = """
        You are a careful assistant for a museum of printing. Visitors ask about the history of the press, \
        movable type, paper making, ink, bookbinding and the people who built the trade. Answer in one or two \
        short sentences, plainly, and say so when you do not know. The museum opens at nine and closes at five.
        """

    /// Whole blocks of `n` positions.
    static func blocks(_ n: Int) -> Int { n / KVBlockPool.blockSize * KVBlockPool.blockSize }

    @Test func aSharedPrefixIsReusedWithTheSameText() async throws {
        let e = try #require(DefaultModel.engine)
        let options = GenerationOptions(maxTokens: 12, sampling: .init(temperature: 0))
        let cached = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 256))
        let plain = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 256, prefixCache: false))
        let first = e.tokenize(Self.system + " Question: who was Gutenberg?")
        let second = e.tokenize(Self.system + " Question: what is movable type?")
        let shared = zip(first, second).prefix { $0 == $1 }.count
        #expect(shared >= 64, "the shared prefix spans at least two blocks (\(shared) tokens)")
        _ = try await run(cached, first, options)
        let again = try await run(cached, second, options)
        let fresh = try await run(plain, second, options)
        #expect(again.cachedTokens == Self.blocks(shared), "\(again.cachedTokens) of \(shared) shared tokens reused")
        #expect(fresh.cachedTokens == 0)
        #expect(again.text == fresh.text)
        // The same prompt again: every whole block before the last prompt token (whose logits are needed).
        let repeatRun = try await run(cached, second, options)
        #expect(repeatRun.cachedTokens == Self.blocks(second.count - 1))
        #expect(repeatRun.text == fresh.text)
        let stats = cached.stats
        #expect(stats.prefixHitTokens == Self.blocks(shared) + Self.blocks(second.count - 1))
        #expect(stats.prefixQueryTokens == first.count + 2 * second.count)
        #expect(stats.kvCachedTokens > 0 && stats.kvUsedTokens == 0 && stats.active == 0)
        #expect(stats.kvBlocks.inUse == 0 && stats.kvBlocks.cached + stats.kvBlocks.free == stats.kvBlocks.total)
        #expect(plain.stats.prefixHitTokens == 0 && plain.stats.kvCachedTokens == 0 && plain.stats.kvBlocks.inUse == 0)
        await cached.shutdown(grace: .seconds(1))
        await plain.shutdown(grace: .seconds(1))
    }

    /// Requests arriving together with one system prompt: one computes it, the others wait for its blocks and
    /// share them (published blocks with equal content are merged too), and a later wave finds it whole.
    @Test func concurrentRequestsShareOneCopy() async throws {
        let e = try #require(DefaultModel.engine)
        let options = GenerationOptions(maxTokens: 4, sampling: .init(temperature: 0))
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 4, contextSize: 256))
        let questions = ["Who was Gutenberg?", "What is a platen?", "When does it open?", "What is vellum?"]
        let prompts = questions.map { e.tokenize(Self.system + " Question: " + $0) }
        let common = prompts.dropFirst().map { p in zip(prompts[0], p).prefix { $0 == $1 }.count }.min()!
        for wave in 0..<2 {
            let summaries = try await withThrowingTaskGroup(of: SequenceSummary.self) { group in
                for p in prompts { group.addTask { try await run(s, p, options) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Arriving together, all but one wait for the first to publish the shared blocks: computed once.
            #expect(summaries.filter { $0.cachedTokens >= Self.blocks(common) }.count >= (wave == 0 ? prompts.count - 1 : prompts.count))
        }
        // Every block of the common prefix is held once: the cache holds at most the distinct full blocks (each
        // sequence's cache holds its prompt and the three generated tokens fed back).
        let b = KVBlockPool.blockSize, sharedBlocks = common / b
        let distinct = sharedBlocks + prompts.reduce(0) { $0 + ($1.count + 3) / b - sharedBlocks }
        #expect(s.stats.kvBlocks.cached <= distinct, "\(s.stats.kvBlocks.cached) blocks cached, \(distinct) distinct")
        #expect(s.stats.kvBlocks.inUse == 0)
        await s.shutdown(grace: .seconds(1))
    }

    /// A pool of one context serving four long requests at once: sequences are preempted when blocks run out and
    /// resume where they were; every text is what each request gets alone, and every block comes back.
    @Test func preemptedSequencesResumeWithTheSameText() async throws {
        let e = try #require(DefaultModel.engine)
        let texts = ["The history of printing begins", "A recipe for bread:", "The planets of the solar system are", "def fibonacci(n):"]
        let options = GenerationOptions(maxTokens: 60, sampling: .init(temperature: 0))
        let alone = try texts.map { try e.generate(prompt: e.tokenize($0), options: options).text }
        var cfg = SchedulerConfiguration(parallel: 4, contextSize: 96, prefillChunk: 16)
        cfg.kvMemory = 3 * KVBlockPool.blockBytes(config: e.model.config)  // 96 positions for four sequences of ~70
        let s = try Scheduler(engine: e, configuration: cfg)
        let summaries = try await withThrowingTaskGroup(of: (Int, SequenceSummary).self) { group in
            for (i, t) in texts.enumerated() { group.addTask { (i, try await run(s, e.tokenize(t), options)) } }
            var out = [SequenceSummary?](repeating: nil, count: texts.count)
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for (i, r) in summaries.enumerated() { #expect(r?.text == alone[i], "request \(i)") }
        let st = s.stats
        #expect(st.preemptions > 0, "a pool of one context must preempt")
        #expect(st.kvBlocks.inUse == 0 && st.kvBlocks.total == 3)
        await s.shutdown(grace: .seconds(1))
    }

    /// A Q8_0 pool: blocks at 34 bytes per 32 values, shared and reused as F16 ones are, and each request's text
    /// what the same engine gives it alone.
    @Test func aQ8PoolServesAndSharesPrefixes() async throws {
        let path = try #require(DefaultModel.path)
        let e = try Engine(path: path, threads: 2, contextSize: 256, kvType: .q8_0)
        let options = GenerationOptions(maxTokens: 10, sampling: .init(temperature: 0))
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 256))
        let f16Bytes = KVBlockPool.blockBytes(config: e.model.config)
        #expect(s.pool.kvType == .q8_0 && s.stats.kvCapacityBytes * 32 == s.stats.kvCapacityTokens / KVBlockPool.blockSize * f16Bytes * 17)
        let first = e.tokenize(Self.system + " Question: who was Gutenberg?")
        let second = e.tokenize(Self.system + " Question: what is vellum?")
        _ = try await run(s, first, options)
        let again = try await run(s, second, options)
        let shared = zip(first, second).prefix { $0 == $1 }.count
        #expect(again.cachedTokens == Self.blocks(shared))
        #expect(again.text == (try e.generate(prompt: second, options: options)).text)
        await s.shutdown(grace: .seconds(1))
    }

    /// A KV memory below one context is refused up front, naming both sizes.
    @Test func tooSmallAPoolIsRefused() throws {
        let e = try #require(DefaultModel.engine)
        var cfg = SchedulerConfiguration(parallel: 2, contextSize: 256)
        cfg.kvMemory = KVBlockPool.blockBytes(config: e.model.config) * 2
        #expect {
            _ = try Scheduler(engine: e, configuration: cfg)
        } throws: { error in
            "\(error)".contains("less than one context of 256")
        }
    }

    /// A cancelled stream gives its blocks back before the next step.
    @Test func cancellingFreesBlocks() async throws {
        // Long enough (3,900 tokens, end of generation ignored: 10 s or more here) that the stream cannot end on
        // its own before the cancel lands, even when other suites keep this reader's thread waiting for seconds
        // while the scheduler runs ahead (CI saw a 400-token request end first).
        let e = try Engine(path: try #require(DefaultModel.path), threads: 2, contextSize: 4096)
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 4096))
        let (stream, continuation) = AsyncStream.makeStream(of: SequenceEvent.self)
        let id = try s.submit(prompt: e.tokenize(Self.system), options: GenerationOptions(maxTokens: 3900, sampling: .init(temperature: 0), ignoreEOS: true)) { event in
            continuation.yield(event)
            if case .failed = event { continuation.finish() }
            if case .finished = event { continuation.finish() }
        }
        var tokens = 0
        var failure: SchedulerError?
        for await event in stream {
            if case .token = event {
                tokens += 1
                if tokens == 5 { s.cancel(id) }
            }
            if case .failed(let why) = event { failure = why }
        }
        #expect(failure == .cancelled)
        #expect(s.stats.kvBlocks.inUse == 0 && s.stats.active == 0)
        await s.shutdown(grace: .seconds(1))
    }
}
