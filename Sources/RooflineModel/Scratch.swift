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
    let att: UnsafeMutablePointer<Float>    // (threads, maxContext) attention scores
    let act: UnsafeMutableRawPointer        // (batch, max row bytes) activations in a weight's dot format
    private var owned: [UnsafeMutablePointer<Float>] = []

    init(config c: LlamaConfig, batch: Int, threads: Int, maxContext: Int) {
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
        hb = alloc(batch * c.feedForwardLength)
        hb2 = alloc(batch * c.feedForwardLength)
        att = alloc(threads * maxContext)
        let widest = max(c.embeddingLength, c.qDim, c.feedForwardLength)
        act = UnsafeMutableRawPointer.allocate(byteCount: batch * widest * 4 + 64, alignment: 64)
        owned = [x, xb, q, k, v, attn, hb, hb2, att]
    }

    deinit {
        for p in owned { p.deallocate() }
        act.deallocate()
    }
}
