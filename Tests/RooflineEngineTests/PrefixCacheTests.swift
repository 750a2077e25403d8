import Foundation
import Testing
import RooflineEngine
import RooflineTestSupport

/// The scheduler's prefix cache: a finished request's slot keeps its keys and values, a later request sharing
/// the prefix reuses them (prefilling only the rest) with the same greedy text, and the counters say so.
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

    @Test func aSharedPrefixIsReusedWithTheSameText() async throws {
        let e = try #require(DefaultModel.engine)
        let options = GenerationOptions(maxTokens: 12, sampling: .init(temperature: 0))
        let cached = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 256))
        let plain = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 256, prefixCache: false))
        let first = e.tokenize("A long shared system prompt about the history of printing and of the press. Question: who was Gutenberg?")
        let second = e.tokenize("A long shared system prompt about the history of printing and of the press. Question: what is movable type?")
        let shared = zip(first, second).prefix { $0 == $1 }.count
        _ = try await run(cached, first, options)
        let again = try await run(cached, second, options)
        let fresh = try await run(plain, second, options)
        #expect(again.cachedTokens == shared, "\(again.cachedTokens) of \(shared) shared tokens reused")
        #expect(fresh.cachedTokens == 0)
        #expect(again.text == fresh.text)
        // The same prompt again: everything but the last prompt token (whose logits are needed) is reused.
        let repeatRun = try await run(cached, second, options)
        #expect(repeatRun.cachedTokens == second.count - 1)
        #expect(repeatRun.text == fresh.text)
        let stats = cached.stats
        #expect(stats.prefixHitTokens == shared + second.count - 1)
        #expect(stats.prefixQueryTokens == first.count + 2 * second.count)
        #expect(stats.kvCachedTokens > 0 && stats.kvUsedTokens == 0 && stats.active == 0)
        #expect(plain.stats.prefixHitTokens == 0 && plain.stats.kvCachedTokens == 0)
        await cached.shutdown(grace: .seconds(1))
        await plain.shutdown(grace: .seconds(1))
    }

    /// Two requests arriving together with different prompts go to different slots, each keeping its own prefix:
    /// a repeat of either finds its slot.
    @Test func eachSlotKeepsItsOwnConversation() async throws {
        let e = try #require(DefaultModel.engine)
        let options = GenerationOptions(maxTokens: 4, sampling: .init(temperature: 0))
        let s = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: 2, contextSize: 256))
        let a = e.tokenize("Conversation A is about gardening and tomatoes in the summer.")
        let b = e.tokenize("Conversation B concerns the orbits of the outer planets.")
        async let ra = run(s, a, options)
        async let rb = run(s, b, options)
        _ = try await (ra, rb)
        #expect(try await run(s, a, options).cachedTokens == a.count - 1)
        #expect(try await run(s, b, options).cachedTokens == b.count - 1)
        await s.shutdown(grace: .seconds(1))
    }
}
