import Testing
import RooflineEngine
import RooflineTestSupport
import RooflineSampling

/// Speculative decoding by prompt lookup is lossless: the tokens equal plain decoding's, greedy and sampled
/// with the same seed, while proposals are accepted.
@Suite(.serialized) struct LookupDecodingTests {
    static let prompts = [
        "Repeat this sentence exactly: the quick brown fox jumps over the lazy dog. The quick brown fox",
        "def add(a, b):\n    return a + b\n\ndef add(a, b):\n",
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4,",
        "List three colours.",
        "Once upon a time there was a king. Once upon a time",
    ]

    @Test(arguments: prompts)
    func greedyTokensEqualPlainDecoding(prompt: String) throws {
        let e = try #require(DefaultModel.engine)
        let plain = try e.generate(prompt: e.tokenize(prompt), options: GenerationOptions(maxTokens: 48, sampling: .init(temperature: 0)))
        var o = GenerationOptions(maxTokens: 48, sampling: .init(temperature: 0))
        o.lookupTokens = 8
        let spec = try e.generate(prompt: e.tokenize(prompt), options: o)
        #expect(spec.tokens == plain.tokens, "\(prompt.debugDescription): \(spec.text.debugDescription) vs \(plain.text.debugDescription)")
        #expect(spec.finishReason == plain.finishReason)
        #expect(spec.acceptedTokens <= spec.proposedTokens)
    }

    @Test func repetitiveTextIsMostlyAccepted() throws {
        let e = try #require(DefaultModel.engine)
        var o = GenerationOptions(maxTokens: 64, sampling: .init(temperature: 0))
        o.lookupTokens = 8
        let r = try e.generate(prompt: e.tokenize(Self.prompts[2]), options: o)
        #expect(r.proposedTokens > 0 && r.acceptedTokens * 4 > r.tokens.count, "\(r.acceptedTokens) accepted of \(r.tokens.count) generated")
    }

    /// With sampling, every row is sampled in turn with the sequence's own random stream, so the same seed gives
    /// the same tokens with and without proposals (the output distribution is the target's).
    @Test(arguments: [UInt64(1), 7, 42])
    func sampledTokensEqualPlainDecodingForTheSameSeed(seed: UInt64) throws {
        let e = try #require(DefaultModel.engine)
        let sampling = SamplingParameters(temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, seed: seed)
        let plain = try e.generate(prompt: e.tokenize(Self.prompts[1]), options: GenerationOptions(maxTokens: 40, sampling: sampling))
        var o = GenerationOptions(maxTokens: 40, sampling: sampling)
        o.lookupTokens = 6
        let spec = try e.generate(prompt: e.tokenize(Self.prompts[1]), options: o)
        #expect(spec.tokens == plain.tokens)
    }

    @Test func proposalsFollowTheLastRecurringNgram() {
        let p = LookupProposer(maxNgram: 3, minNgram: 1)
        #expect(p.propose([1, 2, 3, 4, 5, 1, 2, 3], count: 2) == [4, 5])
        #expect(p.propose([9, 1, 2, 7, 1, 2, 8, 1, 2], count: 3) == [8, 1, 2])  // the most recent occurrence wins
        #expect(p.propose([1, 2, 3], count: 4).isEmpty)
        #expect(p.propose([5, 5], count: 0).isEmpty)
    }
}
