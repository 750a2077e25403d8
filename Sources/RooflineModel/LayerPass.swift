import CRooflineKernels

/// One transformer layer of one forward pass, as an architecture's `layer` function (Architectures/*.swift) sees
/// it: the layer's weights and the shared blocks it composes in paper order. The residual stream is
/// `scratch.x`; a block's output goes to `scratch.xb` (`norm` reads x, the others read xb).
///
/// Prefetch follows from the order of the blocks: before each pool pass (a matmul, the attention), the pass
/// hints the weights of the pass that comes right after it when that one is a matmul, from the schedule the
/// same `layer` function recorded once at load (`record`). So an architecture that calls its blocks in another
/// order gets its prefetch in that order, with nothing placed by hand. Plain values only: nothing retains.
struct LayerPass {
    /// A pool pass of the layer, as recorded: a matmul over up to three weights sharing one input, the
    /// attention (it reads the KV cache, no weights), or the expert FFN (several passes whose experts are known
    /// only once the router has run: nothing is hinted before it, so its own passes run unhinted).
    enum Pass { case matmul(WeightMatrix, WeightMatrix?, WeightMatrix?), attention, experts }

    unowned(unsafe) let model: Transformer
    let index: Int
    let weights: ModelWeights.Layer
    let rows: Int
    let segments: UnsafeBufferPointer<Transformer.Segment>
    let attention: UnsafeMutablePointer<rf_attn_segment>?
    let sliding: Bool
    /// Every layer's passes end to end (nil while recording) and this layer's first one's index in it.
    let schedule: UnsafeBufferPointer<Pass>?
    var next: Int
    /// Whether logits follow the last layer (then the output head is the last layer's next matmul).
    let logits: Bool
    /// Recording: the passes this layer's blocks would run, appended in order; nothing is computed.
    var recorded: [Pass]? = nil

    /// Runs one pool pass (`body`), hinting the weights of the pass after it first.
    private mutating func pass(_ p: Pass, _ body: () -> Void) {
        if recorded != nil { recorded!.append(p); return }
        if rows < 4, let schedule, !p.isExperts {
            let after = next + 1
            if after < schedule.count {
                if case .matmul(let w0, let w1, let w2) = schedule[after] { model.hintNext(w0, w1, w2) }
            } else if logits {
                model.hintNext(model.weights.output)
            }
        }
        next += 1
        body()
    }

    private var computing: Bool { recorded == nil }

    /// x → xb: RMSNorm of the residual stream.
    mutating func norm(_ w: FloatVector) {
        guard computing else { return }
        model.rmsNorm(model.scratch.x, w, into: model.scratch.xb, rows: rows)
    }

    /// xb → xb: RMSNorm of a block's output before it joins the residual (Gemma's post-norms).
    mutating func postNorm(_ w: FloatVector) {
        guard computing else { return }
        model.rmsNorm(model.scratch.xb, w, into: model.scratch.xb, rows: rows)
    }

    /// x += xb.
    mutating func residual() {
        guard computing else { return }
        model.add(model.scratch.x, model.scratch.xb, count: rows * model.config.embeddingLength)
    }

    /// x += xb × `scale` (the product rounded to float first, as ggml_scale then ggml_add); plain when 0.
    mutating func residual(scaledBy scale: Float) {
        guard computing else { return }
        guard scale != 0 else { return residual() }
        let x = model.scratch.x, xb = model.scratch.xb
        for i in 0..<rows * model.config.embeddingLength {
            let scaled = xb[i] * scale
            x[i] += scaled
        }
    }

    var config: ModelConfig { model.config }

    /// xb → xb: causal self-attention with grouped KV heads: Q/K/V projections (with their biases when the file
    /// has them), per-head Q/K RMSNorm (`attn_q_norm`), RoPE and the architecture's query scale, each row's
    /// K/V stored in its sequence's cache, attention over the cache (sliding window, soft-cap and sinks as the
    /// layer has them), the output projection and its bias.
    mutating func selfAttention() {
        let m = model, c = m.config, s = m.scratch, w = weights, rows = rows
        pass(.matmul(w.wq, w.wk, w.wv)) { m.matmul(s.xb, rows: rows, (w.wq, s.q), (w.wk, s.k), (w.wv, s.v)) }
        if computing {
            if let bq = w.bq, let bk = w.bk, let bv = w.bv {
                m.addRows(s.q, bq, rows: rows)
                m.addRows(s.k, bk, rows: rows)
                m.addRows(s.v, bv, rows: rows)
            }
            if let qn = w.qNorm, let kn = w.kNorm {
                m.rmsNorm(s.q, qn, into: s.q, rows: rows * c.headCount, width: c.headDim)
                m.rmsNorm(s.k, kn, into: s.k, rows: rows * c.headCountKV, width: c.headDim)
            }
            m.ropeAndStore(layer: index, sliding: sliding, segments: segments)
        }
        let l = index, sliding = sliding, segments = segments, attention = attention
        pass(.attention) {
            let scale = c.scoreScale
            rf_attention_multi(m.pool.raw, attention!, Int32(segments.count), Int32(l), Int32(c.headCount), Int32(c.headCountKV),
                               Int32(c.headDim), scale, Int32(sliding ? c.slidingWindow : 0), c.attentionSoftcap, w.sinks?.base,
                               s.att, Int32(s.attPerThread), m.kernelPath.rawValue)
        }
        pass(.matmul(w.wo, nil, nil)) { m.matmul(w.wo, s.attn, rows: rows, into: s.xb) }
        if computing, let bo = w.bo { m.addRows(s.xb, bo, rows: rows) }
    }

    /// xb → xb: the gated FFN, activation(gate) · up then down; or the layer's mixture of experts.
    mutating func feedForward(_ activation: ModelArchitecture.Activation) {
        let m = model, c = m.config, s = m.scratch, w = weights, rows = rows
        if let ex = w.experts {
            pass(.experts) { m.mixtureOfExperts(ex, rows: rows) }
            return
        }
        pass(.matmul(w.gate, w.up, nil)) { m.matmul(s.xb, rows: rows, (w.gate, s.hb), (w.up, s.hb2)) }
        if computing {
            switch activation {
            case .silu: m.swiglu(s.hb, s.hb2, count: rows * c.feedForwardLength)
            case .gelu: m.geglu(s.hb, s.hb2, count: rows * c.feedForwardLength)
            }
        }
        pass(.matmul(w.down, nil, nil)) { m.matmul(w.down, s.hb, rows: rows, into: s.xb) }
    }
}

extension LayerPass.Pass {
    var isExperts: Bool { if case .experts = self { return true } else { return false } }
}

extension Transformer {
    /// RoPE on each row's queries and keys (with the query scale), then its keys and values into its sequence's
    /// cache at its position.
    func ropeAndStore(layer l: Int, sliding: Bool, segments: UnsafeBufferPointer<Segment>) {
        let c = config, s = scratch, dims = c.ropeDimensionCount
        let rope = sliding ? ropeSliding : ropeCache
        let queryScale = c.queryScale
        let toF16 = rf_get_quantize(Int32(RF_F16), kernelPath.rawValue)!, toQ8 = rf_get_quantize(Int32(RF_Q8_0), kernelPath.rawValue)!
        for seg in segments {
            for j in 0..<seg.count {
                let i = seg.start + j, pos = seg.pos0 + j, angles = s.rope + (2 * i + (sliding ? 1 : 0)) * dims
                rope.apply(s.q + i * c.qDim, heads: c.headCount, angles: angles)
                if let qs = queryScale {
                    for e in 0..<c.qDim { s.q[i * c.qDim + e] *= qs }
                }
                rope.apply(s.k + i * c.kvDim, heads: c.headCountKV, angles: angles)
                seg.cache.store(layer: l, position: pos, keys: s.k + i * c.kvDim, values: s.v + i * c.kvDim,
                                convert: seg.cache.pool.kvType == .q8_0 ? toQ8 : toF16)
            }
        }
    }

    /// Every layer's pool passes in order, as the architecture's `layer` function calls its blocks (the prefetch
    /// schedule): each layer run once in recording mode.
    static func schedule(_ weights: ModelWeights, _ architecture: ModelArchitecture, model: Transformer) -> [LayerPass.Pass] {
        var all: [LayerPass.Pass] = []
        for (l, w) in weights.layers.enumerated() {
            var p = LayerPass(model: model, index: l, weights: w, rows: 1, segments: UnsafeBufferPointer(start: nil, count: 0),
                              attention: nil, sliding: false, schedule: nil, next: 0, logits: false, recorded: [])
            architecture.layer(&p)
            all += p.recorded ?? []
        }
        return all
    }
}
