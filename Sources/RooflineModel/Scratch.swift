/// Every activation buffer of a forward pass, allocated once (llama2.c's `RunState`).
final class Scratch: @unchecked Sendable {
    let batch: Int
    let maxContext: Int
    let x: UnsafeMutablePointer<Float>      // (batch, embd) residual stream
    let xb: UnsafeMutablePointer<Float>     // (batch, embd) normed input / branch output
    let q: UnsafeMutablePointer<Float>      // (batch, heads*headDim)
    let k: UnsafeMutablePointer<Float>      // (batch, kvHeads*headDim)
    let v: UnsafeMutablePointer<Float>      // (batch, kvHeads*headDim)
    let attn: UnsafeMutablePointer<Float>   // (batch, heads*headDim) attention output
    let hb: UnsafeMutablePointer<Float>     // (batch, ffn)
    let hb2: UnsafeMutablePointer<Float>    // (batch, ffn)
    let att: UnsafeMutablePointer<Float>    // (threads, attPerThread) attention scores
    /// Scores of up to four query heads per thread (decode attention runs the heads of a KV head together).
    let attPerThread: Int
    let rope: UnsafeMutablePointer<Float>   // (batch, 2, ropeDims) each row's RoPE cos/sin: full, sliding layers
    let act: UnsafeMutableRawPointer        // (batch, max row bytes) activations in a weight's dot format
    // Mixture of experts (1-element buffers for dense models):
    let router: UnsafeMutablePointer<Float> // (batch, experts) router logits, then probabilities
    let moeIn: UnsafeMutablePointer<Float>  // (batch, embd) the rows routed to one expert, gathered
    let moeOut: UnsafeMutablePointer<Float> // (batch, used, embd) each row's weighted expert outputs, by slot
    let selected: UnsafeMutablePointer<Int> // (batch, used) expert ids per row
    let selWeight: UnsafeMutablePointer<Float> // (batch, used) their weights
    let gatherRow: UnsafeMutablePointer<Int>   // (batch) row of each gathered input
    let gatherSlot: UnsafeMutablePointer<Int>  // (batch) slot of each gathered input
    private var owned: [UnsafeMutablePointer<Float>] = []

    init(config c: ModelConfig, batch: Int, threads: Int, maxContext: Int) {
        self.batch = batch
        self.maxContext = maxContext
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        x = alloc(batch * c.embeddingLength)
        xb = alloc(batch * c.embeddingLength)
        q = alloc(batch * c.qDim)
        k = alloc(batch * c.kvDim)
        v = alloc(batch * c.kvDim)
        attn = alloc(batch * c.qDim)
        let ff = max(c.feedForwardLength, c.expertFeedForwardLength)
        hb = alloc(batch * ff)
        hb2 = alloc(batch * ff)
        rope = alloc(batch * 2 * c.ropeDimensionCount)
        attPerThread = 4 * maxContext
        att = alloc(threads * attPerThread)
        let widest = max(c.embeddingLength, c.qDim, ff)
        act = UnsafeMutableRawPointer.allocate(byteCount: batch * widest * 4 + 64, alignment: 64)
        let moe = c.expertCount > 0
        router = alloc(moe ? batch * c.expertCount : 1)
        moeIn = alloc(moe ? batch * c.embeddingLength : 1)
        moeOut = alloc(moe ? batch * c.expertUsedCount * c.embeddingLength : 1)
        selWeight = alloc(moe ? batch * c.expertUsedCount : 1)
        selected = .allocate(capacity: max(1, batch * c.expertUsedCount))
        selected.initialize(repeating: 0, count: max(1, batch * c.expertUsedCount))
        gatherRow = .allocate(capacity: batch)
        gatherRow.initialize(repeating: 0, count: batch)
        gatherSlot = .allocate(capacity: batch)
        gatherSlot.initialize(repeating: 0, count: batch)
        owned = [x, xb, q, k, v, attn, hb, hb2, att, rope, router, moeIn, moeOut, selWeight]
    }

    deinit {
        for p in owned { p.deallocate() }
        act.deallocate()
        selected.deallocate()
        gatherRow.deallocate()
        gatherSlot.deallocate()
    }
}
