import CRooflineKernels
import Foundation
import RooflineGGUF
import RooflineQuant

/// A decoder-only transformer over a mapped GGUF file: embedding → the layers → RMSNorm → output head. Each
/// architecture writes its layer in its own file (Architectures/*.swift) over the shared blocks of `LayerPass`
/// (norms, attention, dense and expert FFNs, residuals); the elementwise blocks are in Transformer+Blocks.swift
/// and the experts in Transformer+Experts.swift. Prompts run as one batch per chunk; every scratch buffer is allocated once.
public final class Transformer: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let weights: ModelWeights
    public let pool: ThreadPool
    /// The largest number of tokens one forward call processes; longer inputs are split.
    public let maxBatch: Int
    let scratch: Scratch
    let ropeCache: RopeTable
    /// RoPE of the sliding-window layers (the same table unless `rope.freq_base_swa` differs).
    let ropeSliding: RopeTable
    /// Whether any layer uses the sliding-window table (then each row's angles are computed for both).
    let hasSlidingLayers: Bool
    /// The kernel path this model computes with (the best the CPU has unless asked otherwise).
    public let kernelPath: KernelPath
    /// One forward pass at a time: the scratch buffers and the thread pool are shared (and the pool with a draft
    /// model, so its lock is the pool's).
    private var lock: NSLock { pool.lock }

    /// `pool`, when given, is another model's thread pool to share (a draft model beside its target: the two
    /// never run at once, and one pool's threads do not spin while the other's work).
    public init(file: GGUFFile, threads: Int, maxBatch: Int = 256, maxContext: Int = 8192, kernelPath: KernelPath = .best,
                pool shared: ThreadPool? = nil, kvType: KVType = .f16) throws(ModelError) {
        // A path the CPU cannot run would reach instructions it does not have.
        guard KernelPath.available.contains(kernelPath) else {
            throw .invalidHyperparameter(key: "kernel path", value: kernelPath.description,
                                         reason: "this CPU runs \(KernelPath.available.map(\.description).joined(separator: ", "))")
        }
        self.kernelPath = kernelPath
        self.file = file
        config = try ModelConfig(file: file)
        guard kvType.rowElements(headDim: config.headDim) != nil else {
            throw .invalidHyperparameter(key: "kv type", value: kvType.description,
                                         reason: "its rows hold multiples of 32 values; this model's heads are \(config.headDim) wide")
        }
        self.kvType = kvType
        weights = try ModelWeights(file: file, config: config)
        pool = shared ?? ThreadPool(threads: threads)
        self.maxBatch = max(1, maxBatch)
        scratch = Scratch(config: config, batch: self.maxBatch, threads: pool.count, maxContext: maxContext)
        ropeCache = RopeTable(config: config, freqFactors: weights.ropeFreqFactors)
        ropeSliding = RopeTable(config: config, freqFactors: weights.ropeFreqFactors, base: config.ropeFreqBaseSliding,
                                scale: config.ropeFreqScaleSliding)
        hasSlidingLayers = config.slidingLayers.contains(true)
        schedule = Self.schedule(weights, config.traits, model: self)
    }

    /// Every layer's pool passes in the order its architecture runs them, for prefetching the next one's weights
    /// (`LayerPass`).
    private(set) var schedule: [LayerPass.Pass] = []

    /// How this model's caches store keys and values (`makeCache`, and the pools callers make with it).
    public let kvType: KVType

    /// Logits computed only for token ids below this (the rest are -infinity): a draft model that proposes from
    /// the most frequent tokens reads a fraction of its output head (FR-Spec's reduced draft vocabulary; BPE
    /// vocabularies number their tokens roughly by merge order, so the first ids are the frequent ones). Nil: all.
    /// Set before the model is used.
    public var vocabularyLimit: Int?

    /// Makes a KV cache for one sequence of up to `capacity` positions.
    public func makeCache(capacity: Int) -> KVCache { KVCache(config: config, capacity: capacity, kvType: kvType) }

    /// Runs `tokens` at positions `cache.count...` and appends them to the cache.
    /// `logits` receives `(tokens.count, vocab)` rows when `allLogits`, else one row for the last token.
    public func forward(tokens: [Int32], cache: KVCache, logits: UnsafeMutablePointer<Float>, allLogits: Bool) throws(ModelError) {
        try validate(tokens, cache)
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
        cache.publish()
    }

    /// One decode step: `token` at position `cache.count`, its logits into `logits` (one row). The same as
    /// `forward(tokens: [token], …)` without building an array.
    public func forward(token: Int32, cache: KVCache, logits: UnsafeMutablePointer<Float>) throws(ModelError) {
        try validate(CollectionOfOne(token), cache)
        lock.lock()
        defer { lock.unlock() }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 1) { buf in
            buf[0] = token
            forwardChunk(UnsafeBufferPointer(buf), cache: cache, logits: logits, allLogits: false)
        }
        cache.publish()
    }

    /// Checks that `tokens` fit `cache` and this model's buffers and are all in the vocabulary.
    private func validate(_ tokens: some Collection<Int32>, _ cache: KVCache) throws(ModelError) {
        guard cache.count + tokens.count <= cache.capacity else {
            throw .contextFull(needed: cache.count + tokens.count, capacity: cache.capacity)
        }
        guard cache.capacity <= scratch.maxContext else { throw .contextFull(needed: cache.capacity, capacity: scratch.maxContext) }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize { throw .invalidToken(t, vocabSize: config.vocabSize) }
        guard cache.reserve(upTo: cache.count + tokens.count) else {
            throw .kvPoolExhausted(positions: cache.count + tokens.count, blocks: cache.pool.blockCount)
        }
    }

    /// One sequence's rows in a chunk.
    struct Segment {
        let start: Int   // first row in the chunk
        let count: Int
        /// Kept alive by the caller for the whole pass (unowned: copying a segment retains nothing).
        unowned(unsafe) let cache: KVCache
        let pos0: Int    // position of the first row in its sequence
        var needsLogits = true
        /// With `needsLogits`: how many of the segment's last rows get logits (speculative verification wants
        /// the token fed and every proposal's).
        var logitRows = 1
    }

    /// One chunk of at most `maxBatch` tokens of a single sequence.
    func forwardChunk(_ tokens: UnsafeBufferPointer<Int32>, cache: KVCache, logits: UnsafeMutablePointer<Float>?, allLogits: Bool) {
        withExtendedLifetime(cache) {
            withUnsafeTemporaryAllocation(of: Segment.self, capacity: 1) { seg in
                seg.initializeElement(at: 0, to: Segment(start: 0, count: tokens.count, cache: cache, pos0: cache.count))
                forwardChunk(tokens, segments: UnsafeBufferPointer(seg), logits: logits, allLogits: allLogits)
            }
        }
    }

    /// The caller keeps the segments' caches alive (they hold them unowned).
    func forwardChunk(_ tokens: UnsafeBufferPointer<Int32>, segments: [Segment], logits: UnsafeMutablePointer<Float>?, allLogits: Bool) {
        segments.withUnsafeBufferPointer { forwardChunk(tokens, segments: $0, logits: logits, allLogits: allLogits) }
    }

    /// One chunk of at most `maxBatch` rows from one or more sequences: the matmuls run over all rows at once
    /// (each weight read once for the whole chunk); RoPE, the KV store and attention follow each row's own
    /// sequence. `logits` gets every row (`allLogits`, single sequence) or the last row of each segment.
    /// Nothing in here allocates on the heap or retains (weights, vectors and segments are plain values).
    func forwardChunk(_ tokens: UnsafeBufferPointer<Int32>, segments: UnsafeBufferPointer<Segment>, logits: UnsafeMutablePointer<Float>?, allLogits: Bool) {
        let c = config, s = scratch, m = tokens.count, d = c.embeddingLength
        for (i, t) in tokens.enumerated() {
            let w = weights.tokenEmbedding
            _ = TensorKernels.dequantize(w.type, w.data + (w.type.byteCount(elements: d) ?? 0) * Int(t), into: s.x + i * d, count: d)
        }
        if c.traits.scaleEmbeddings {
            let e = Float(d).squareRoot()  // ggml_scale(inpL, sqrtf(n_embd))
            for i in 0..<m * d { s.x[i] *= e }
        }
        if c.embeddingScale != 0 {
            for i in 0..<m * d { s.x[i] *= c.embeddingScale }  // Granite's embedding multiplier
        }
        withUnsafeTemporaryAllocation(of: rf_attn_segment.self, capacity: segments.count) { attnSegs in
            for (k, seg) in segments.enumerated() {
                attnSegs[k] = seg.cache.attentionSegment(q: s.q + seg.start * c.qDim, out: s.attn + seg.start * c.qDim,
                                                         queries: seg.count, firstPosition: seg.pos0)
            }
            // Each row's RoPE angles, once for all layers (and a second set for sliding-window layers).
            let dims = c.ropeDimensionCount
            for seg in segments {
                for j in 0..<seg.count {
                    let i = seg.start + j
                    ropeCache.angles(position: seg.pos0 + j, into: s.rope + 2 * i * dims)
                    if hasSlidingLayers { ropeSliding.angles(position: seg.pos0 + j, into: s.rope + (2 * i + 1) * dims) }
                }
            }
            // The layers, each as its architecture writes it (Architectures/*.swift) over the shared blocks.
            let layerForward = c.traits.layer
            schedule.withUnsafeBufferPointer { passes in
                var next = 0
                for (l, layer) in weights.layers.enumerated() {
                    var p = LayerPass(model: self, index: l, weights: layer, rows: m, segments: segments, attention: attnSegs.baseAddress,
                                      sliding: c.slidingLayers[l], schedule: passes, next: next, logits: logits != nil)
                    layerForward(&p)
                    next = p.next
                }
            }
        }
        for seg in segments {
            seg.cache.record(UnsafeBufferPointer(rebasing: tokens[seg.start..<seg.start + seg.count]), at: seg.pos0)
            seg.cache.count = seg.pos0 + seg.count
        }
        guard let logits else { return }
        var rows = m
        if allLogits {
            rmsNorm(s.x, weights.outputNorm, into: s.xb, rows: m)
            matmul(outputHead, s.xb, rows: m, into: logits)
        } else {
            // Rows of segments that want logits, packed in segment order (mid-prompt chunks skip the output head).
            rows = 0
            for seg in segments where seg.needsLogits {
                let n = max(1, min(seg.logitRows, seg.count))
                rmsNorm(s.x + (seg.start + seg.count - n) * d, weights.outputNorm, into: s.xb + rows * d, rows: n)
                rows += n
            }
            if rows > 0 { matmul(outputHead, s.xb, rows: rows, into: logits) }
        }
        if c.logitScale != 0 {
            let inv = 1 / c.logitScale  // ggml_scale(cur, 1.0f / f_logit_scale): Granite
            for i in 0..<rows * c.vocabSize { logits[i] *= inv }
        }
        if c.finalSoftcap != 0 {
            // ggml_scale by 1/cap, ggml_tanh, ggml_scale by cap (Gemma 2's final logit soft-capping).
            let cap = c.finalSoftcap, inv = 1 / cap
            for i in 0..<rows * c.vocabSize { logits[i] = tanhf(logits[i] * inv) * cap }
        }
        if outputHead.rows < c.vocabSize {
            for r in 0..<rows { (logits + r * c.vocabSize + outputHead.rows).update(repeating: -.infinity, count: c.vocabSize - outputHead.rows) }
        }
    }

    /// The output head's first `vocabularyLimit` rows (all of them when nil): a row view of the mapped tensor that
    /// writes each row of logits `vocabSize` apart.
    var outputHead: WeightMatrix {
        guard let n = vocabularyLimit, n < weights.output.rows, weights.output.outputScale == nil else { return weights.output }
        var w = WeightMatrix(data: weights.output.data, type: weights.output.type, cols: weights.output.cols, rows: n)
        w.outputStride = weights.output.rows
        return w
    }

    /// One sequence's tokens for a batched forward pass.
    public struct BatchEntry {
        public let tokens: [Int32]
        public let cache: KVCache
        /// False for a prompt chunk that is not the prompt's last: its logits row is left untouched.
        public let needsLogits: Bool
        /// Logits for this many of the entry's last tokens (1: the last; a speculative step asks for the token
        /// fed and each proposal's). At most `maxBatch` and the entry's length.
        public let logitRows: Int
        public init(tokens: [Int32], cache: KVCache, needsLogits: Bool = true, logitRows: Int = 1) {
            self.tokens = tokens
            self.cache = cache
            self.needsLogits = needsLogits
            self.logitRows = logitRows
        }
        /// Rows this entry takes in `forward(batch:)`'s logits (one when it needs none: left untouched).
        public var rows: Int { needsLogits ? logitRows : 1 }
    }

    /// Runs several sequences together, each appending to its own cache: every weight matrix is read once for
    /// all their rows (continuous batching's decode step, or prefill chunks beside it). `logits` receives the
    /// entries' rows in order (`BatchEntry.rows` each: the last token's, or the last `logitRows` tokens'; rows
    /// of entries without `needsLogits` are left as they were). Each row's result is the same as running its
    /// sequence alone.
    public func forward(batch: [BatchEntry], logits: UnsafeMutablePointer<Float>) throws(ModelError) {
        for e in batch {
            guard !e.tokens.isEmpty else { throw .invalidHyperparameter(key: "batch", value: "empty entry", reason: "every sequence needs at least one token") }
            guard e.logitRows >= 1, e.logitRows <= min(e.tokens.count, maxBatch) else {
                throw .invalidHyperparameter(key: "batch", value: "\(e.logitRows) logit rows", reason: "an entry of \(e.tokens.count) tokens can have 1 to \(min(e.tokens.count, maxBatch)) rows of logits")
            }
            try validate(e.tokens, e.cache)
        }
        guard Set(batch.map { ObjectIdentifier($0.cache) }).count == batch.count else {
            throw .invalidHyperparameter(key: "batch", value: "shared cache", reason: "each sequence needs its own KV cache")
        }
        lock.lock()
        defer {
            lock.unlock()
            for e in batch { e.cache.publish() }
        }
        // Entries longer than a chunk run their leading tokens alone first (an entry's logit rows, at most
        // maxBatch, stay in its last chunk).
        var pending: [(offset: Int, tokens: ArraySlice<Int32>, cache: KVCache, needsLogits: Bool, logitRows: Int)] = []
        var offset = 0  // the entry's first row in `logits`
        for e in batch {
            var rest = e.tokens[...]
            while rest.count > maxBatch {
                let n = min(maxBatch, rest.count - e.logitRows)
                Array(rest.prefix(n)).withUnsafeBufferPointer { forwardChunk($0, cache: e.cache, logits: nil, allLogits: false) }
                rest = rest.dropFirst(n)
            }
            pending.append((offset, rest, e.cache, e.needsLogits, e.logitRows))
            offset += e.rows
        }
        // Then groups of whole entries of at most maxBatch rows.
        var g = 0
        while g < pending.count {
            var rows: [Int32] = []
            var segments: [Segment] = []
            var members: [(offset: Int, rows: Int)] = []
            while g < pending.count, rows.count + pending[g].tokens.count <= maxBatch {
                let p = pending[g]
                segments.append(Segment(start: rows.count, count: p.tokens.count, cache: p.cache, pos0: p.cache.count,
                                        needsLogits: p.needsLogits, logitRows: p.logitRows))
                rows.append(contentsOf: p.tokens)
                if p.needsLogits { members.append((p.offset, p.logitRows)) }
                g += 1
            }
            let v = config.vocabSize
            let total = members.reduce(0) { $0 + $1.rows }
            if let first = members.first, members.last!.offset + members.last!.rows - first.offset == total {
                // The rows with logits are consecutive in `logits` (a decode step): write them in place.
                rows.withUnsafeBufferPointer { forwardChunk($0, segments: segments, logits: logits + first.offset * v, allLogits: false) }
                continue
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, total) * v) { out in
                rows.withUnsafeBufferPointer { forwardChunk($0, segments: segments, logits: out.baseAddress!, allLogits: false) }
                var k = 0
                for m in members {
                    (logits + m.offset * v).update(from: out.baseAddress! + k * v, count: m.rows * v)
                    k += m.rows
                }
            }
        }
    }

    /// out(rows, w.rows) = x(rows, w.cols) · wᵀ, with x converted to the weight's activation format first.
    func matmul(_ w: WeightMatrix, _ x: UnsafeMutablePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        matmul(x, rows: rows, (w, out))
    }

    typealias MatmulTarget = (WeightMatrix, UnsafeMutablePointer<Float>)

    /// Tells the pool which decode matmul follows its next pass (rf_pool_hint_next): each thread prefetches the
    /// start of its slice of these weights as soon as its share of that pass is done. Fused as `matmul` fuses.
    func hintNext(_ w0: WeightMatrix, _ w1: WeightMatrix? = nil, _ w2: WeightMatrix? = nil) {
        let n = fusedCount(w0, w1, w2)
        withUnsafeTemporaryAllocation(of: rf_matmul_part.self, capacity: 3) { parts in
            parts[0] = w0.part(into: nil)
            if n > 1, let w1 { parts[1] = w1.part(into: nil) }
            if n > 2, let w2 { parts[2] = w2.part(into: nil) }
            rf_pool_hint_next(pool.raw, parts.baseAddress!, Int32(n), Int64(w0.cols))
        }
    }

    /// How many of `w0`, `w1`, `w2` one pool pass takes: all of them when their weights share an activation
    /// format, else only `w0` (each then gets a pass of its own).
    func fusedCount(_ w0: WeightMatrix, _ w1: WeightMatrix?, _ w2: WeightMatrix?) -> Int {
        let actType = rf_vec_dot_type(Int32(w0.type.rawValue))
        func fuses(_ w: WeightMatrix?) -> Bool { w.map { rf_vec_dot_type(Int32($0.type.rawValue)) == actType } ?? true }
        guard fuses(w1), fuses(w2) else { return 1 }
        return w2 != nil ? 3 : w1 != nil ? 2 : 1
    }

    /// Up to three matmuls over the same input (Q/K/V, gate/up): fused into one pool pass when their weights share
    /// an activation format, else one pass each. Fixed arity, so no array is built per call.
    func matmul(_ x: UnsafeMutablePointer<Float>, rows: Int, _ t0: MatmulTarget, _ t1: MatmulTarget? = nil, _ t2: MatmulTarget? = nil) {
        let n = t2 != nil ? 3 : t1 != nil ? 2 : 1
        guard fusedCount(t0.0, t1?.0, t2?.0) == n else {
            matmul(x, rows: rows, t0)
            if let t1 { matmul(x, rows: rows, t1) }
            if let t2 { matmul(x, rows: rows, t2) }
            return
        }
        let actType = rf_vec_dot_type(Int32(t0.0.type.rawValue))
        let cols = t0.0.cols
        let rowBytes = Int(rf_row_size(actType, Int64(cols)))
        let quant = rf_get_quantize(actType, kernelPath.rawValue)!
        for i in 0..<rows { quant(x + i * cols, scratch.act + i * rowBytes, Int64(cols)) }
        withUnsafeTemporaryAllocation(of: rf_matmul_part.self, capacity: 3) { parts in
            parts[0] = t0.0.part(into: t0.1)
            if let t1 { parts[1] = t1.0.part(into: t1.1) }
            if let t2 { parts[2] = t2.0.part(into: t2.1) }
            rf_matmul_multi(pool.raw, parts.baseAddress!, Int32(n), Int64(cols), scratch.act, Int64(rowBytes), Int64(rows), kernelPath.rawValue)
        }
        func scaleOutput(_ t: MatmulTarget?) {  // llama.cpp's ggml_mul(res, w_s)
            guard let (w, out) = t, let s = w.outputScale else { return }
            for i in 0..<(rows * w.rows) { out[i] *= s }
        }
        scaleOutput(t0)
        scaleOutput(t1)
        scaleOutput(t2)
    }
}

extension WeightMatrix {
    /// This matrix as one part of `rf_matmul_multi` (or of a hint), its results going to `y` (a row per
    /// activation row, `rows` floats apart).
    func part(into y: UnsafeMutablePointer<Float>?) -> rf_matmul_part {
        rf_matmul_part(w: data, wtype: Int32(type.rawValue), n_rows: Int64(rows), y: y, y_stride: y == nil ? 0 : Int64(outputStride ?? rows))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
