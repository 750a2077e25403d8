import RooflineModel

/// The chunking that llama.cpp's perplexity tool uses (`perplexity()` in tools/perplexity/perplexity.cpp),
/// shared by `perplexity` and `divergence`: non-overlapping chunks of `context` tokens, the first token of each
/// chunk replaced by BOS when the model adds BOS, and only positions `context/2 ..< context-1` scored.
extension Engine {
    /// Tokens of `text` as the perplexity tool reads a file (BOS as the model asks, specials as plain text).
    func evaluationTokens(_ text: String) -> [Int32] {
        tokenizer.encode(text, addSpecial: tokenizer.addBOS, parseSpecial: false)
    }

    /// Runs the chunks through this model (and `reference`, if given, on the same tokens) and calls `score`
    /// for each scored position with this model's logits row, the reference's row and the target token.
    /// `chunkDone(done, total)` follows each chunk. Returns the number of chunks.
    func scoreChunks(tokens: [Int32], context: Int, reference: Transformer? = nil,
                     score: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, Int) -> Void,
                     chunkDone: (Int, Int) -> Void) throws(EngineError) -> Int {
        guard context >= 8 else { throw .invalidArgument("the context must be at least 8 tokens") }
        guard tokens.count >= 2 * context else { throw .textTooShort(tokens: tokens.count, needed: 2 * context) }
        let chunks = tokens.count / context, first = context / 2
        let vocab = model.config.vocabSize
        let batch = min(model.maxBatch, reference?.maxBatch ?? model.maxBatch)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: batch * vocab)
        let p: UnsafeMutablePointer<Float>? = reference == nil ? nil : .allocate(capacity: batch * vocab)
        defer { q.deallocate(); p?.deallocate() }
        let qCache = model.makeCache(capacity: context)
        let pCache = reference?.makeCache(capacity: context)
        for c in 0..<chunks {
            var chunk = Array(tokens[c * context..<(c + 1) * context])
            if tokenizer.addBOS, let bos = tokenizer.bos { chunk[0] = bos }
            qCache.truncate(to: 0)
            pCache?.truncate(to: 0)
            var start = 0
            while start < context {
                let n = min(batch, context - start)
                let piece = Array(chunk[start..<start + n])
                do {
                    try model.forward(tokens: piece, cache: qCache, logits: q, allLogits: true)
                    if let reference, let pCache, let p { try reference.forward(tokens: piece, cache: pCache, logits: p, allLogits: true) }
                } catch {
                    throw .model(error)
                }
                for i in 0..<n where start + i >= first && start + i < context - 1 {
                    score(q + i * vocab, p.map { $0 + i * vocab }, Int(chunk[start + i + 1]))
                }
                start += n
            }
            chunkDone(c + 1, chunks)
        }
        return chunks
    }

    /// log Σ exp(row) (summed in double after subtracting the max, as llama.cpp's `log_softmax`) and the argmax.
    static func logSumExp(_ row: UnsafeMutablePointer<Float>, _ n: Int) -> (Double, Int) {
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
