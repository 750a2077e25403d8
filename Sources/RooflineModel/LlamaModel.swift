import CRooflineKernels
import Foundation
import RooflineGGUF
import RooflineQuant

/// A Llama-family transformer over a mapped GGUF file, following llama.cpp's `llm_build_llama` graph:
/// embedding → [RMSNorm → Q,K,V → RoPE → causal GQA → output → residual → RMSNorm → SwiGLU FFN → residual] × L
/// → RMSNorm → output head. Prompts run as one batch per chunk; every scratch buffer is allocated once.
public final class LlamaModel: @unchecked Sendable {
    public let file: GGUFFile
    public let config: LlamaConfig
    public let weights: LlamaWeights
    public let pool: ThreadPool
    /// The largest number of tokens one forward call processes; longer inputs are split.
    public let maxBatch: Int
    let scratch: Scratch
    let ropeCache: RopeTable
    /// The kernel path this model computes with (the best the CPU has unless asked otherwise).
    public let kernelPath: KernelPath
    /// One forward pass at a time: the scratch buffers and the thread pool are shared.
    private let lock = NSLock()

    public init(file: GGUFFile, threads: Int, maxBatch: Int = 256, maxContext: Int = 8192, kernelPath: KernelPath = .best) throws(ModelError) {
        self.kernelPath = kernelPath
        self.file = file
        config = try LlamaConfig(file: file)
        weights = try LlamaWeights(file: file, config: config)
        pool = ThreadPool(threads: threads)
        self.maxBatch = max(1, maxBatch)
        scratch = Scratch(config: config, batch: self.maxBatch, threads: pool.count, maxContext: maxContext)
        ropeCache = RopeTable(config: config)
    }

    /// Makes a KV cache for one sequence of up to `capacity` positions.
    public func makeCache(capacity: Int) -> KVCache { KVCache(config: config, capacity: capacity) }

    /// Runs `tokens` at positions `cache.count...` and appends them to the cache.
    /// `logits` receives `(tokens.count, vocab)` rows when `allLogits`, else one row for the last token.
    public func forward(tokens: [Int32], cache: KVCache, logits: UnsafeMutablePointer<Float>, allLogits: Bool) throws(ModelError) {
        guard cache.count + tokens.count <= cache.capacity else {
            throw .contextFull(needed: cache.count + tokens.count, capacity: cache.capacity)
        }
        guard cache.capacity <= scratch.maxContext else {
            throw .contextFull(needed: cache.capacity, capacity: scratch.maxContext)
        }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize { throw .invalidToken(t, vocabSize: config.vocabSize) }
        lock.lock()
        defer { lock.unlock() }
        var start = 0
        while start < tokens.count {
            let n = min(maxBatch, tokens.count - start)
            let isLast = start + n == tokens.count
            tokens.withUnsafeBufferPointer { buf in
                let out: UnsafeMutablePointer<Float>? = allLogits
                    ? logits + start * config.vocabSize
                    : (isLast ? logits : nil)
                forwardChunk(UnsafeBufferPointer(rebasing: buf[start..<start + n]), cache: cache, logits: out, allLogits: allLogits)
            }
            start += n
        }
    }

    /// One chunk of at most `maxBatch` tokens.
    func forwardChunk(_ tokens: UnsafeBufferPointer<Int32>, cache: KVCache, logits: UnsafeMutablePointer<Float>?, allLogits: Bool) {
        let c = config, s = scratch, m = tokens.count, d = c.embeddingLength
        let pos0 = cache.count
        for (i, t) in tokens.enumerated() {
            let w = weights.tokenEmbedding
            _ = TensorKernels.dequantize(w.type, w.data + (w.type.byteCount(elements: d) ?? 0) * Int(t), into: s.x + i * d, count: d)
        }
        let scale = 1 / Float(c.headDim).squareRoot()
        for (l, layer) in weights.layers.enumerated() {
            rmsNorm(s.x, layer.attnNorm, into: s.xb, rows: m)
            matmul([(layer.wq, s.q), (layer.wk, s.k), (layer.wv, s.v)], s.xb, rows: m)
            for i in 0..<m {
                ropeCache.apply(s.q + i * c.qDim, heads: c.headCount, position: pos0 + i)
                ropeCache.apply(s.k + i * c.kvDim, heads: c.headCountKV, position: pos0 + i)
            }
            let kc = cache.keys(layer: l), vc = cache.values(layer: l)
            let toF16 = rf_get_quantize(Int32(RF_F16), kernelPath.rawValue)!
            for i in 0..<m {
                toF16(s.k + i * c.kvDim, kc + (pos0 + i) * c.kvDim, Int64(c.kvDim))
                toF16(s.v + i * c.kvDim, vc + (pos0 + i) * c.kvDim, Int64(c.kvDim))
            }
            rf_attention(pool.raw, s.q, kc, vc, s.attn, Int32(m), Int32(pos0), Int32(c.headCount), Int32(c.headCountKV),
                         Int32(c.headDim), scale, s.att, Int32(s.maxContext), kernelPath.rawValue)
            matmul(layer.wo, s.attn, rows: m, into: s.xb)
            add(s.x, s.xb, count: m * d)
            rmsNorm(s.x, layer.ffnNorm, into: s.xb, rows: m)
            matmul([(layer.gate, s.hb), (layer.up, s.hb2)], s.xb, rows: m)
            swiglu(s.hb, s.hb2, count: m * c.feedForwardLength)
            matmul(layer.down, s.hb, rows: m, into: s.xb)
            add(s.x, s.xb, count: m * d)
        }
        cache.count = pos0 + m
        guard let logits else { return }
        if allLogits {
            rmsNorm(s.x, weights.outputNorm, into: s.xb, rows: m)
            matmul(weights.output, s.xb, rows: m, into: logits)
        } else {
            rmsNorm(s.x + (m - 1) * d, weights.outputNorm, into: s.xb, rows: 1)
            matmul(weights.output, s.xb, rows: 1, into: logits)
        }
    }

    /// out(rows, w.rows) = x(rows, w.cols) · wᵀ, with x converted to the weight's activation format first.
    func matmul(_ w: WeightMatrix, _ x: UnsafeMutablePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        matmul([(w, out)], x, rows: rows)
    }

    /// Several matmuls over the same input: fused into one pool pass when their weights share an activation
    /// format (Q/K/V, gate/up), else one pass each.
    func matmul(_ ws: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ x: UnsafeMutablePointer<Float>, rows: Int) {
        let actTypes = ws.map { rf_vec_dot_type(Int32($0.0.type.rawValue)) }
        guard actTypes.allSatisfy({ $0 == actTypes[0] }), ws.count <= Int(RF_MAX_PARTS) else {
            for (w, out) in ws { matmul([(w, out)], x, rows: rows) }
            return
        }
        let actType = actTypes[0]
        let cols = ws[0].0.cols
        let rowBytes = Int(rf_row_size(actType, Int64(cols)))
        let quant = rf_get_quantize(actType, kernelPath.rawValue)!
        for i in 0..<rows { quant(x + i * cols, scratch.act + i * rowBytes, Int64(cols)) }
        withUnsafeTemporaryAllocation(of: rf_matmul_part.self, capacity: ws.count) { parts in
            for (i, (w, out)) in ws.enumerated() {
                parts[i] = rf_matmul_part(w: w.data, wtype: Int32(w.type.rawValue), n_rows: Int64(w.rows), y: out, y_stride: Int64(w.rows))
            }
            rf_matmul_multi(pool.raw, parts.baseAddress!, Int32(ws.count), Int64(cols), scratch.act, Int64(rowBytes), Int64(rows), kernelPath.rawValue)
        }
    }

    /// ggml_rms_norm (sum of squares in double) followed by the weight multiply.
    func rmsNorm(_ x: UnsafeMutablePointer<Float>, _ w: [Float], into out: UnsafeMutablePointer<Float>, rows: Int) {
        let d = config.embeddingLength, eps = config.rmsEpsilon
        w.withUnsafeBufferPointer { wp in
            for r in 0..<rows {
                let xr = x + r * d, o = out + r * d
                var sum: Double = 0
                for i in 0..<d { sum += Double(xr[i] * xr[i]) }
                let mean = Float(sum / Double(d))
                let scale = 1 / (mean + eps).squareRoot()
                for i in 0..<d { o[i] = (xr[i] * scale) * wp[i] }
            }
        }
    }

    func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// silu(gate) * up, in place in `gate` (ggml_silu_f32 then ggml_mul).
    func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
