import RooflineModel
import RooflineTokenizer

/// How a model's next-token distributions differ from a reference model's on the same text
/// (llama.cpp's perplexity tool in `--kl-divergence` mode): both run the same chunks, and every scored
/// position compares the two softmaxes.
public struct DivergenceResult: Sendable {
    public var perplexity: Double
    public var referencePerplexity: Double
    /// Mean KL(reference ‖ model) in nats.
    public var klDivergence: Double
    public var klDivergenceP99: Double
    /// Fraction of positions where both models' most likely token is the same.
    public var top1Agreement: Double
    public var tokensScored: Int
    public var chunks: Int
}

extension Engine {
    /// Compares this model against `reference` on `text` in chunks of `context` tokens, scoring the second half
    /// of each chunk like `perplexity`. Both models must share a vocabulary.
    public func divergence(from reference: Engine, text: String, context: Int,
                           progress: (Int, Int) -> Void = { _, _ in }) throws(EngineError) -> DivergenceResult {
        guard reference.model.config.vocabSize == model.config.vocabSize, reference.tokenizer.tokens == tokenizer.tokens else {
            throw .invalidArgument("the reference model has a different vocabulary; KL divergence needs the same tokens")
        }
        guard context >= 8 else { throw .invalidArgument("the context must be at least 8 tokens") }
        let tokens = tokenizer.encode(text, addSpecial: tokenizer.addBOS, parseSpecial: false)
        guard tokens.count >= 2 * context else { throw .textTooShort(tokens: tokens.count, needed: 2 * context) }
        let chunks = tokens.count / context, first = context / 2
        let vocab = model.config.vocabSize
        let batch = min(model.maxBatch, reference.model.maxBatch)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: batch * vocab)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: batch * vocab)
        defer { q.deallocate(); p.deallocate() }
        let qCache = model.makeCache(capacity: context), pCache = reference.model.makeCache(capacity: context)
        var nllQ = 0.0, nllP = 0.0, agree = 0
        var kls: [Double] = []
        for c in 0..<chunks {
            var chunk = Array(tokens[c * context..<(c + 1) * context])
            if tokenizer.addBOS, let bos = tokenizer.bos { chunk[0] = bos }
            qCache.truncate(to: 0)
            pCache.truncate(to: 0)
            var start = 0
            while start < context {
                let n = min(batch, context - start)
                let piece = Array(chunk[start..<start + n])
                do {
                    try model.forward(tokens: piece, cache: qCache, logits: q, allLogits: true)
                    try reference.model.forward(tokens: piece, cache: pCache, logits: p, allLogits: true)
                } catch {
                    throw .model(error)
                }
                for i in 0..<n where start + i >= first && start + i < context - 1 {
                    let target = Int(chunk[start + i + 1])
                    let (lq, aq) = Self.logSoftmaxStats(q + i * vocab, vocab)
                    let (lp, ap) = Self.logSoftmaxStats(p + i * vocab, vocab)
                    nllQ += lq - Double(q[i * vocab + target])
                    nllP += lp - Double(p[i * vocab + target])
                    // KL(P‖Q) = Σ p (log p − log q), log p = logit_p − lp
                    var kl = 0.0
                    for v in 0..<vocab {
                        let logp = Double(p[i * vocab + v]) - lp
                        kl += exp(logp) * (logp - (Double(q[i * vocab + v]) - lq))
                    }
                    kls.append(max(0, kl))
                    if aq == ap { agree += 1 }
                }
                start += n
            }
            progress(c + 1, chunks)
        }
        let n = Double(kls.count)
        let sorted = kls.sorted()
        let p99 = sorted[min(sorted.count - 1, Int((0.99 * Double(sorted.count - 1)).rounded()))]
        return DivergenceResult(perplexity: exp(nllQ / n), referencePerplexity: exp(nllP / n),
                                klDivergence: kls.reduce(0, +) / n, klDivergenceP99: p99,
                                top1Agreement: Double(agree) / n, tokensScored: kls.count, chunks: chunks)
    }

    /// log Σ exp(logits) and the argmax.
    static func logSoftmaxStats(_ row: UnsafeMutablePointer<Float>, _ n: Int) -> (Double, Int) {
        var mx = -Float.infinity, arg = 0
        for v in 0..<n where row[v] > mx { mx = row[v]; arg = v }
        var sum = 0.0
        for v in 0..<n { sum += Double(expf(row[v] - mx)) }
        return (log(sum) + Double(mx), arg)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
