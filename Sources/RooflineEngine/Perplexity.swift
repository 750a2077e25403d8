import RooflineModel
import RooflineTokenizer

/// Perplexity as llama.cpp's perplexity tool computes it (`perplexity()` in tools/perplexity/perplexity.cpp):
/// non-overlapping chunks of `context` tokens, the first token of each chunk replaced by BOS when the model
/// adds BOS, and only the second half of each chunk scored.
public struct PerplexityResult: Sendable {
    public var perplexity: Double
    public var tokensScored: Int
    public var chunks: Int
    /// Mean negative log-likelihood per scored token.
    public var meanNLL: Double
}

extension Engine {
    public func perplexity(text: String, context: Int, progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws(EngineError) -> PerplexityResult {
        try perplexity(tokens: evaluationTokens(text), context: context, progress: progress)
    }

    public func perplexity(tokens: [Int32], context: Int, progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws(EngineError) -> PerplexityResult {
        let vocab = model.config.vocabSize
        var nll = 0.0
        var count = 0
        let chunks = try scoreChunks(tokens: tokens, context: context, score: { row, _, target in
            nll += Self.logSumExp(row, vocab).0 - Double(row[target])
            count += 1
        }, chunkDone: { done, total in progress(done, total, exp(nll / Double(count))) })
        return PerplexityResult(perplexity: exp(nll / Double(count)), tokensScored: count, chunks: chunks, meanNLL: nll / Double(count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
