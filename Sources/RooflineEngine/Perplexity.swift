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
        let tokens = tokenizer.encode(text, addSpecial: tokenizer.addBOS, parseSpecial: false)
        return try perplexity(tokens: tokens, context: context, progress: progress)
    }

    public func perplexity(tokens: [Int32], context: Int, progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws(EngineError) -> PerplexityResult {
        guard context >= 8 else { throw .invalidArgument("the context must be at least 8 tokens") }
        guard tokens.count >= 2 * context else { throw .textTooShort(tokens: tokens.count, needed: 2 * context) }
        let chunks = tokens.count / context
        let first = context / 2
        let vocab = model.config.vocabSize
        let batch = model.maxBatch
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: batch * vocab)
        defer { logits.deallocate() }
        let cache = model.makeCache(capacity: context)
        var nll: Double = 0
        var count = 0
        for c in 0..<chunks {
            var chunk = Array(tokens[c * context..<(c + 1) * context])
            if tokenizer.addBOS, let bos = tokenizer.bos { chunk[0] = bos }
            cache.truncate(to: 0)
            var start = 0
            while start < context {
                let n = min(batch, context - start)
                do {
                    try model.forward(tokens: Array(chunk[start..<start + n]), cache: cache, logits: logits, allLogits: true)
                } catch {
                    throw .model(error)
                }
                for i in 0..<n {
                    let pos = start + i
                    guard pos >= first, pos < context - 1 else { continue }
                    let row = logits + i * vocab
                    var mx = -Float.infinity
                    for v in 0..<vocab where row[v] > mx { mx = row[v] }
                    var sum: Double = 0
                    for v in 0..<vocab { sum += Double(expf(row[v] - mx)) }
                    let target = Int(chunk[pos + 1])
                    nll += log(sum) - Double(row[target] - mx)
                    count += 1
                }
                start += n
            }
            progress(c + 1, chunks, exp(nll / Double(count)))
        }
        return PerplexityResult(perplexity: exp(nll / Double(count)), tokensScored: count, chunks: chunks, meanNLL: nll / Double(count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
