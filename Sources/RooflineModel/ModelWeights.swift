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

/// Pointers into the mapping for every tensor of a model (llama2.c's `TransformerWeights`), each layer loaded by
/// its architecture's declarations (`ModelArchitecture.tensors`); small vectors (norms, biases) are dequantized to
/// floats once, into memory the weights own (`FloatVector`).
public struct ModelWeights: @unchecked Sendable {
    public struct Layer: @unchecked Sendable {
        public let attnNorm: FloatVector    // (embd)
        public let wq, wk, wv, wo: WeightMatrix
        /// Q/K/V biases (`attn_q.bias` …; qwen2), used when the file has them.
        public let bq, bk, bv: FloatVector?
        /// Per-head Q/K RMSNorm weights (`attn_q_norm.weight`, `attn_k_norm.weight`; qwen3), one head wide.
        public let qNorm, kNorm: FloatVector?
        /// RMSNorm weights applied to the attention and FFN outputs before the residual adds (Gemma 2/3).
        public let attnPostNorm, ffnPostNorm: FloatVector?
        public let ffnNorm: FloatVector     // (embd)
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

    public init(file: GGUFFile, config c: ModelConfig) throws(ModelError) {
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
        /// Rows `start..<start+count` of `m` as a matrix of their own (fused QKV and gate/up are split this way:
        /// rows are contiguous, so a view is a pointer offset and the matmul sees separate weights).
        func rows(_ m: WeightMatrix, _ start: Int, _ count: Int) -> WeightMatrix {
            WeightMatrix(data: m.data + start * (m.type.byteCount(elements: m.cols) ?? 0), type: m.type, cols: m.cols, rows: count,
                         outputScale: m.outputScale)
        }
        let declared = c.traits.tensors, hasExperts = c.expertCount > 0
        var layers: [Layer] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            /// The declaration of `role`, when the file's layer has that tensor or must have it (nil: the family
            /// declares no such tensor, or an optional one the file leaves out).
            func present(_ role: LayerTensor.Role) throws(ModelError) -> (name: String, dims: [Int])? {
                guard let d = declared.first(where: { $0.role == role }) else { return nil }
                let name = p + d.name
                if file.tensor(name) == nil {
                    let must = d.isRequired(experts: hasExperts) { r in
                        declared.first { $0.role == r }.map { file.tensor(p + $0.name) != nil } ?? false
                    }
                    if must { throw .format(.missingTensor(name)) }
                    return nil
                }
                return (name, d.dims.map(c.size))
            }
            func weight(_ role: LayerTensor.Role) throws(ModelError) -> WeightMatrix? {
                guard let t = try present(role) else { return nil }
                return try matrix(t.name, cols: t.dims[0], rows: t.dims.count > 1 ? t.dims[1] : 1)
            }
            func norm(_ role: LayerTensor.Role) throws(ModelError) -> FloatVector? {
                guard let t = try present(role) else { return nil }
                return try vector(t.name, t.dims[0])
            }
            func missing(_ role: LayerTensor.Role) -> ModelError {
                .format(.missingTensor(p + (declared.first { $0.role == role }?.name ?? role.rawValue)))
            }
            let q = c.qDim, kv = c.kvDim, ff = c.feedForwardLength
            let wq, wk, wv: WeightMatrix
            var bq = try norm(.bq), bk = try norm(.bk), bv = try norm(.bv)
            if let qkv = try weight(.wqkv) {
                (wq, wk, wv) = (rows(qkv, 0, q), rows(qkv, q, kv), rows(qkv, q + kv, kv))
                if let t = try present(.bqkv) {
                    let b = try floats(t.name, t.dims[0])
                    (bq, bk, bv) = (store.vector(Array(b[0..<q])), store.vector(Array(b[q..<q + kv])), store.vector(Array(b[(q + kv)...])))
                }
            } else {
                guard let a = try weight(.wq), let b = try weight(.wk), let v = try weight(.wv) else { throw missing(.wq) }
                (wq, wk, wv) = (a, b, v)
            }
            if (bq == nil) != (bk == nil) || (bq == nil) != (bv == nil) {
                let missing = [("attn_q.bias", bq), ("attn_k.bias", bk), ("attn_v.bias", bv)].first { $0.1 == nil }?.0 ?? "attn_q.bias"
                throw .format(.missingTensor(p + missing + " (the layer has the other Q/K/V biases)"))
            }
            let gate, up, down: WeightMatrix
            var experts: Experts? = nil
            if hasExperts {
                let n = c.expertCount
                func stacked(_ role: LayerTensor.Role) throws(ModelError) -> WeightMatrix {
                    guard let (name, dims) = try present(role), let t = tensor(name) else { throw missing(role) }
                    guard t.dims == dims else { throw .tensorShape(name: name, expected: dims, found: t.dims) }
                    guard TensorKernels.supported.contains(t.type) else { throw .unsupportedTensorType(name: name, type: t.type) }
                    return WeightMatrix(data: file.data(t), type: t.type, cols: dims[0], rows: dims[1] * n)
                }
                guard let router = try weight(.router) else { throw missing(.router) }
                var ex = Experts(router: router, gate: try stacked(.gateExperts), up: try stacked(.upExperts),
                                 down: try stacked(.downExperts), count: n)
                /// A bias of the declared dims ([width, n], or [n] for the router), as floats.
                func bias(_ role: LayerTensor.Role) throws(ModelError) -> FloatVector? {
                    guard let (name, dims) = try present(role), let t = tensor(name) else { return nil }
                    guard t.dims == dims else { throw .tensorShape(name: name, expected: dims, found: t.dims) }
                    guard let v = TensorKernels.dequantize(t.type, file.data(t), count: dims.reduce(1, *)) else {
                        throw .unsupportedTensorType(name: name, type: t.type)
                    }
                    return store.vector(v)
                }
                ex.routerBias = try bias(.routerBias)
                ex.gateBias = try bias(.gateExpertsBias)
                ex.upBias = try bias(.upExpertsBias)
                ex.downBias = try bias(.downExpertsBias)
                experts = ex
                (gate, up, down) = (ex.slice(ex.gate, 0), ex.slice(ex.up, 0), ex.slice(ex.down, 0))
            } else if let both = try weight(.gateUp) {
                // One `ffn_up` of gate rows then up rows (phi3; ggml_swiglu's halves).
                guard let d = try weight(.down) else { throw missing(.down) }
                (gate, up, down) = (rows(both, 0, ff), rows(both, ff, ff), d)
            } else {
                guard let g = try weight(.gate), let u = try weight(.up), let d = try weight(.down) else { throw missing(.gate) }
                (gate, up, down) = (g, u, d)
            }
            guard let attnNorm = try norm(.attnNorm) else { throw missing(.attnNorm) }
            guard let wo = try weight(.wo) else { throw missing(.wo) }
            guard let ffnNorm = try norm(.ffnNorm) else { throw missing(.ffnNorm) }
            layers.append(Layer(
                attnNorm: attnNorm, wq: wq, wk: wk, wv: wv, wo: wo,
                bq: bq, bk: bk, bv: bv, qNorm: try norm(.qNorm), kNorm: try norm(.kNorm),
                attnPostNorm: try norm(.attnPostNorm), ffnPostNorm: try norm(.ffnPostNorm), ffnNorm: ffnNorm,
                bo: try norm(.bo), sinks: try norm(.sinks),
                gate: gate, up: up, down: down, experts: experts))
        }
        self.layers = layers
        if let extra = file.tensors.first(where: { !used.contains($0.name) && !$0.name.hasSuffix("scale") }) {
            throw .unsupportedTensor(name: extra.name, reason: "the model does not use it (\(c.architecture) layers do not have it, or it is past block_count \(c.blockCount)); the file's tensors and metadata disagree")
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

extension ModelConfig {
    /// The size a declared dimension (`LayerTensor.Dim`) has in this model.
    public func size(_ d: LayerTensor.Dim) -> Int {
        switch d {
        case .embedding: embeddingLength
        case .q: qDim
        case .kv: kvDim
        case .qkv: qDim + 2 * kvDim
        case .ff: feedForwardLength
        case .twoFF: 2 * feedForwardLength
        case .head: headDim
        case .heads: headCount
        case .experts: expertCount
        case .expertFF: expertFeedForwardLength
        }
    }
}
