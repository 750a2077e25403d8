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
        let vocab = model.config.vocabSize
        var nllQ = 0.0, nllP = 0.0, agree = 0
        var kls: [Double] = []
        let chunks = try scoreChunks(tokens: evaluationTokens(text), context: context, reference: reference.model, score: { q, p, target in
            guard let p else { return }
            let (lq, aq) = Self.logSumExp(q, vocab)
            let (lp, ap) = Self.logSumExp(p, vocab)
            nllQ += lq - Double(q[target])
            nllP += lp - Double(p[target])
            // KL(P‖Q) = Σ p (log p − log q), log p = logit_p − lp
            var kl = 0.0
            for v in 0..<vocab {
                let logp = Double(p[v]) - lp
                kl += exp(logp) * (logp - (Double(q[v]) - lq))
            }
            kls.append(max(0, kl))
            if aq == ap { agree += 1 }
        }, chunkDone: progress)
        let n = Double(kls.count)
        let sorted = kls.sorted()
        let p99 = sorted[min(sorted.count - 1, Int((0.99 * Double(sorted.count - 1)).rounded()))]
        return DivergenceResult(perplexity: exp(nllQ / n), referencePerplexity: exp(nllP / n),
                                klDivergence: kls.reduce(0, +) / n, klDivergenceP99: p99,
                                top1Agreement: Double(agree) / n, tokensScored: kls.count, chunks: chunks)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
