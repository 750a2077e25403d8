import RooflineSampling

/// Speculative decoding measured on a text: the same greedy generation with and without proposals.
public struct SpeculativeBenchmark: Sendable {
    public var plain: BenchmarkResult.Stat
    public var speculative: BenchmarkResult.Stat
    public var proposedTokens: Int
    public var acceptedTokens: Int
    /// Tokens each run generated (greedy: the same with and without proposals).
    public var generatedTokens: Int
    public var acceptanceRate: Double { proposedTokens > 0 ? Double(acceptedTokens) / Double(proposedTokens) : 0 }
    public var speedup: Double { plain.mean > 0 ? speculative.mean / plain.mean : 0 }
}

extension Engine {
    /// Decode tokens/s of greedy generation after `prompt`, plain and with the speculative settings of
    /// `speculative` (its draft, lookup and draft tokens), alternated `repetitions` times after one warm-up of
    /// each. Fails if the two give different tokens (they must not: both are greedy and lossless).
    public func benchmarkSpeculative(prompt: [Int32], genTokens: Int, repetitions: Int, speculative: GenerationOptions,
                                     progress: (String) -> Void = { _ in }) throws(EngineError) -> SpeculativeBenchmark {
        guard genTokens >= 1, repetitions >= 1 else { throw .invalidArgument("gen tokens and repetitions must be positive") }
        let plainOptions = GenerationOptions(maxTokens: genTokens, sampling: SamplingParameters(temperature: 0))
        var specOptions = plainOptions
        specOptions.draft = speculative.draft
        specOptions.draftTokens = speculative.draftTokens
        specOptions.lookupTokens = speculative.lookupTokens
        var plain: [Double] = [], spec: [Double] = []
        var proposed = 0, accepted = 0, generated = 0
        for rep in 0...repetitions {
            let a = try generate(prompt: prompt, options: plainOptions)
            let b = try generate(prompt: prompt, options: specOptions)
            guard a.tokens == b.tokens else {
                throw .invalidArgument("speculative decoding changed the greedy output after \(zip(a.tokens, b.tokens).prefix { $0 == $1 }.count) tokens")
            }
            guard rep > 0 else { continue }  // warm-up
            plain.append(a.decodeTokensPerSecond)
            spec.append(b.decodeTokensPerSecond)
            proposed += b.proposedTokens
            accepted += b.acceptedTokens
            generated = b.tokens.count
            progress(String(format: "repetition %d: plain %.1f tok/s, speculative %.1f tok/s, %d of %d proposed accepted",
                            rep, a.decodeTokensPerSecond, b.decodeTokensPerSecond, b.acceptedTokens, b.proposedTokens))
        }
        return SpeculativeBenchmark(plain: Self.stat(plain), speculative: Self.stat(spec), proposedTokens: proposed,
                                    acceptedTokens: accepted, generatedTokens: generated)
    }
}
