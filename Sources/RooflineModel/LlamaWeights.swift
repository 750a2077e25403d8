import RooflineGGUF
import RooflineQuant

/// A weight matrix in place in the mapped file: `rows` rows of `cols` elements of `type`. Plain values only
/// (no name, no references), so the forward pass copies it without reference counting.
public struct WeightMatrix: @unchecked Sendable {
    public let data: UnsafeRawPointer
    public let type: GGMLType
    public let cols: Int
    public let rows: Int
    /// llama.cpp's optional per-tensor scale (`<name>.scale`, shape [1]; NVFP4's "scale2"): the matmul's result is
    /// multiplied by it, as `build_lora_mm` applies `ggml_mul(res, w_s)`.
    public var outputScale: Float? = nil
    /// Floats between one output row's results and the next's (nil: `rows`; a row view of a larger matrix keeps
    /// the whole matrix's stride).
    public var outputStride: Int? = nil
    public var byteCount: Int { type.byteCount(dims: [cols, rows]) ?? 0 }
}

/// Pointers into the mapping for every tensor of a Llama-family model (llama2.c's `TransformerWeights`);
/// small vectors (norms, biases) are dequantized to floats once, into memory the weights own (`FloatVector`).
public struct LlamaWeights: @unchecked Sendable {
    public struct Layer: @unchecked Sendable {
        public let attnNorm: FloatVector    // (embd)
        public let wq, wk, wv, wo: WeightMatrix
        /// Q/K/V biases (`attn_q.bias` …; qwen2), used when the file has them.
        public let bq, bk, bv: FloatVector?
        /// Per-head Q/K RMSNorm weights (`attn_q_norm.weight`, `attn_k_norm.weight`; qwen3), one head wide.
        public let qNorm, kNorm: FloatVector?
        /// RMSNorm weights applied to the attention and FFN outputs before the residual adds (Gemma 2/3).
        public let attnPostNorm, ffnPostNorm: FloatVector?
        public let ffnNorm: FloatVector     // (embd); `post_attention_norm` in gpt-oss
        /// The attention output's bias (`attn_output.bias`) and per-head sink logits (`attn_sinks.weight`; gpt-oss).
        public let bo: FloatVector?
        public let sinks: FloatVector?
        /// The dense FFN; for a mixture-of-experts layer, expert 0 (so `bytesPerToken` and fused-matmul code
        /// see a matrix of the expert's shape).
        public let gate, up, down: WeightMatrix
        public let experts: Experts?
    }

    /// A mixture-of-experts FFN: the router (`ffn_gate_inp`, expertCount rows) and the experts' stacked matrices
    /// (`ffn_gate_exps` … of dims [cols, rows, experts]), seen as 2-D with every expert's rows in turn.
    public struct Experts: @unchecked Sendable {
        public let router: WeightMatrix
        public let gate, up, down: WeightMatrix
        public let count: Int
        /// gpt-oss's biases: the router's (count) and each expert's gate/up (count × expert width) and down
        /// (count × embd), expert after expert.
        public var routerBias, gateBias, upBias, downBias: FloatVector?

        /// Expert `e`'s rows of a stacked matrix (a pointer offset into the map).
        func slice(_ m: WeightMatrix, _ e: Int) -> WeightMatrix {
            let rows = m.rows / count
            return WeightMatrix(data: m.data + e * rows * (m.type.byteCount(elements: m.cols) ?? 0),
                                type: m.type, cols: m.cols, rows: rows)
        }
    }

    public let tokenEmbedding: WeightMatrix  // (vocab rows, embd cols)
    public let outputNorm: FloatVector       // (embd)
    public let output: WeightMatrix          // (vocab rows, embd cols); tied to tokenEmbedding when absent
    public let layers: [Layer]
    /// Llama-3.x RoPE frequency factors (`rope_freqs.weight`, dims / 2 values), when present.
    public let ropeFreqFactors: FloatVector?
    /// Experts used per token (0 for dense models).
    let expertsUsed: Int
    /// Owns every FloatVector above.
    let store: FloatStore

    public init(file: GGUFFile, config c: LlamaConfig) throws(ModelError) {
        // Every tensor the file holds must be one this model reads (llama.cpp's `done_getting_tensors` refuses
        // others): a layer past block_count or a stray tensor means the file and its metadata disagree.
        var used = Set<String>()
        func tensor(_ name: String) -> GGUFTensorInfo? {
            let t = file.tensor(name)
            if t != nil { used.insert(name) }
            return t
        }
        // llama.cpp's generic pass (llama-model.cpp) loads `<weight>.scale` ({1}) beside the attention and dense FFN
        // matrices and `<weight>.input_scale`, which its graphs do not use; Roofline does the same. Any other
        // `.scale` tensor (per-expert scales, or one beside a tensor that takes none) is refused below.
        var usedScales = Set<String>()
        func outputScale(_ weight: String) throws(ModelError) -> Float? {
            let takesScale = ["attn_q", "attn_k", "attn_v", "attn_output", "attn_qkv", "ffn_gate", "ffn_up", "ffn_down"]
                .contains { weight.hasSuffix(".\($0).weight") }
            guard takesScale, weight.hasSuffix(".weight") else { return nil }
            let base = String(weight.dropLast(".weight".count))
            usedScales.insert(base + ".input_scale")
            guard let t = tensor(base + ".scale") else { return nil }
            guard t.elementCount == 1 else { throw .tensorShape(name: t.name, expected: [1], found: t.dims) }
            guard let v = TensorKernels.dequantize(t.type, file.data(t), count: 1)?.first, v.isFinite else {
                throw .unsupportedTensor(name: t.name, reason: "a per-tensor scale must be one finite float")
            }
            usedScales.insert(t.name)
            return v
        }
        func matrix(_ name: String, cols: Int, rows: Int) throws(ModelError) -> WeightMatrix {
            guard let t = tensor(name) else { throw .format(.missingTensor(name)) }
            guard t.dims.count <= 2, t.dims[0] == cols, t.rowCount == rows else {
                throw .tensorShape(name: name, expected: [cols, rows], found: t.dims)
            }
            guard TensorKernels.supported.contains(t.type) else { throw .unsupportedTensorType(name: name, type: t.type) }
            return WeightMatrix(data: file.data(t), type: t.type, cols: cols, rows: rows, outputScale: try outputScale(name))
        }
        let store = FloatStore()
        self.store = store
        func floats(_ name: String, _ n: Int) throws(ModelError) -> [Float] {
            let m = try matrix(name, cols: n, rows: 1)
            return TensorKernels.dequantize(m.type, m.data, count: n) ?? []
        }
        func vector(_ name: String, _ n: Int) throws(ModelError) -> FloatVector { store.vector(try floats(name, n)) }
        tokenEmbedding = try matrix("token_embd.weight", cols: c.embeddingLength, rows: c.vocabSize)
        outputNorm = try vector("output_norm.weight", c.embeddingLength)
        output = tensor("output.weight") == nil
            ? tokenEmbedding
            : try matrix("output.weight", cols: c.embeddingLength, rows: c.vocabSize)
        for name in ["rope_factors_long.weight", "rope_factors_short.weight"] where tensor(name) != nil {
            throw .invalidHyperparameter(key: name, value: "present", reason: "LongRoPE frequency factors (Phi-3 128k) are not supported yet")
        }
        if tensor("rope_freqs.weight") != nil {
            let ff = try floats("rope_freqs.weight", c.ropeDimensionCount / 2)
            guard ff.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw .invalidHyperparameter(key: "rope_freqs.weight", value: "non-positive factor", reason: "RoPE frequency factors must be positive")
            }
            ropeFreqFactors = store.vector(ff)
        } else {
            ropeFreqFactors = nil
        }
        func optionalVector(_ name: String, _ n: Int) throws(ModelError) -> FloatVector? {
            tensor(name) == nil ? nil : try vector(name, n)
        }
        /// Rows `start..<start+count` of `m` as a matrix of their own (fused QKV and gate/up are split this way:
        /// rows are contiguous, so a view is a pointer offset and the matmul sees separate weights).
        func rows(_ m: WeightMatrix, _ start: Int, _ count: Int) -> WeightMatrix {
            WeightMatrix(data: m.data + start * (m.type.byteCount(elements: m.cols) ?? 0), type: m.type, cols: m.cols, rows: count,
                         outputScale: m.outputScale)
        }
        let e = c.embeddingLength, q = c.qDim, kv = c.kvDim, ff = c.feedForwardLength
        var layers: [Layer] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            let wq, wk, wv: WeightMatrix
            var bq, bk, bv: FloatVector?
            if tensor(p + "attn_qkv.weight") != nil {
                // Fused Q/K/V (phi3; llama.cpp's create_tensor_qkv accepts it for every family).
                let qkv = try matrix(p + "attn_qkv.weight", cols: e, rows: q + 2 * kv)
                (wq, wk, wv) = (rows(qkv, 0, q), rows(qkv, q, kv), rows(qkv, q + kv, kv))
                if tensor(p + "attn_qkv.bias") != nil {
                    let b = try floats(p + "attn_qkv.bias", q + 2 * kv)
                    (bq, bk, bv) = (store.vector(Array(b[0..<q])), store.vector(Array(b[q..<q + kv])), store.vector(Array(b[(q + kv)...])))
                }
            } else {
                (wq, wk, wv) = (try matrix(p + "attn_q.weight", cols: e, rows: q), try matrix(p + "attn_k.weight", cols: e, rows: kv),
                                try matrix(p + "attn_v.weight", cols: e, rows: kv))
                (bq, bk, bv) = (try optionalVector(p + "attn_q.bias", q), try optionalVector(p + "attn_k.bias", kv),
                                try optionalVector(p + "attn_v.bias", kv))
            }
            if (bq == nil) != (bk == nil) || (bq == nil) != (bv == nil) {
                let missing = [("attn_q.bias", bq), ("attn_k.bias", bk), ("attn_v.bias", bv)].first { $0.1 == nil }?.0 ?? "attn_q.bias"
                throw .format(.missingTensor(p + missing + " (the layer has the other Q/K/V biases)"))
            }
            let gate, up, down: WeightMatrix
            var experts: Experts? = nil
            if c.expertCount > 0 {
                let n = c.expertCount, fx = c.expertFeedForwardLength
                func stacked(_ name: String, cols: Int, rows: Int) throws(ModelError) -> WeightMatrix {
                    guard let t = tensor(name) else { throw .format(.missingTensor(name)) }
                    guard t.dims == [cols, rows, n] else { throw .tensorShape(name: name, expected: [cols, rows, n], found: t.dims) }
                    guard TensorKernels.supported.contains(t.type) else { throw .unsupportedTensorType(name: name, type: t.type) }
                    return WeightMatrix(data: file.data(t), type: t.type, cols: cols, rows: rows * n)
                }
                var ex = Experts(router: try matrix(p + "ffn_gate_inp.weight", cols: e, rows: n),
                                 gate: try stacked(p + "ffn_gate_exps.weight", cols: e, rows: fx),
                                 up: try stacked(p + "ffn_up_exps.weight", cols: e, rows: fx),
                                 down: try stacked(p + "ffn_down_exps.weight", cols: fx, rows: e), count: n)
                if c.traits.openAIExperts {
                    /// A bias of dims [width, n] (or [n] for the router), as floats.
                    func bias(_ name: String, _ width: Int?) throws(ModelError) -> FloatVector {
                        guard let t = tensor(name) else { throw .format(.missingTensor(name)) }
                        let dims = width.map { [$0, n] } ?? [n]
                        guard t.dims == dims else { throw .tensorShape(name: name, expected: dims, found: t.dims) }
                        guard let v = TensorKernels.dequantize(t.type, file.data(t), count: dims.reduce(1, *)) else {
                            throw .unsupportedTensorType(name: name, type: t.type)
                        }
                        return store.vector(v)
                    }
                    ex.routerBias = try bias(p + "ffn_gate_inp.bias", nil)
                    ex.gateBias = try bias(p + "ffn_gate_exps.bias", fx)
                    ex.upBias = try bias(p + "ffn_up_exps.bias", fx)
                    ex.downBias = try bias(p + "ffn_down_exps.bias", e)
                }
                experts = ex
                (gate, up, down) = (ex.slice(ex.gate, 0), ex.slice(ex.up, 0), ex.slice(ex.down, 0))
            } else if c.traits.fusedGateUp {
                // phi3: ffn_up holds gate rows then up rows (ggml_swiglu's halves).
                let both = try matrix(p + "ffn_up.weight", cols: e, rows: 2 * ff)
                (gate, up) = (rows(both, 0, ff), rows(both, ff, ff))
                down = try matrix(p + "ffn_down.weight", cols: ff, rows: e)
            } else {
                (gate, up) = (try matrix(p + "ffn_gate.weight", cols: e, rows: ff), try matrix(p + "ffn_up.weight", cols: e, rows: ff))
                down = try matrix(p + "ffn_down.weight", cols: ff, rows: e)
            }
            let qNorm = c.traits.qkNorm ? try vector(p + "attn_q_norm.weight", c.headDim) : nil
            let kNorm = c.traits.qkNorm ? try vector(p + "attn_k_norm.weight", c.headDim) : nil
            layers.append(Layer(
                attnNorm: try vector(p + "attn_norm.weight", e),
                wq: wq, wk: wk, wv: wv,
                wo: try matrix(p + "attn_output.weight", cols: q, rows: e),
                bq: bq, bk: bk, bv: bv, qNorm: qNorm, kNorm: kNorm,
                attnPostNorm: c.traits.postNorms ? try vector(p + "post_attention_norm.weight", e) : nil,
                ffnPostNorm: c.traits.postNorms ? try vector(p + "post_ffw_norm.weight", e) : nil,
                ffnNorm: try vector(p + c.traits.ffnNormName + ".weight", e),
                bo: c.traits.attentionSinks ? try vector(p + "attn_output.bias", e) : try optionalVector(p + "attn_output.bias", e),
                sinks: c.traits.attentionSinks ? try vector(p + "attn_sinks.weight", c.headCount) : nil,
                gate: gate, up: up, down: down, experts: experts))
        }
        self.layers = layers
        if let extra = file.tensors.first(where: { !used.contains($0.name) && !$0.name.hasSuffix("scale") }) {
            throw .unsupportedTensor(name: extra.name, reason: "the model does not use it (block_count is \(c.blockCount)); the file's tensors and metadata disagree")
        }
        if let s = file.tensors.first(where: { ($0.name.hasSuffix(".scale") || $0.name.hasSuffix(".input_scale")) && !usedScales.contains($0.name) }) {
            throw .unsupportedTensor(name: s.name, reason: "a per-tensor scale is applied only beside attention and dense FFN weights (per-expert scales are not supported yet)")
        }
        expertsUsed = c.expertUsedCount
    }

    /// Bytes of weights streamed for one decoded token (every matrix once, one embedding row).
    public var bytesPerToken: Int {
        var total = output.byteCount + tokenEmbedding.byteCount / max(tokenEmbedding.rows, 1)
        for l in layers {
            // For experts: the router and the used experts' matrices (gate/up/down hold one expert).
            let ffnTimes = l.experts == nil ? 1 : max(1, expertsUsed)
            total += [l.wq, l.wk, l.wv, l.wo].reduce(0) { $0 + $1.byteCount } + (l.experts?.router.byteCount ?? 0)
            total += ffnTimes * [l.gate, l.up, l.down].reduce(0) { $0 + $1.byteCount }
        }
        return total
    }
}
