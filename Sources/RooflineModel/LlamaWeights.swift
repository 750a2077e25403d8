import RooflineGGUF
import RooflineQuant

/// A weight matrix in place in the mapped file: `rows` rows of `cols` elements of `type`.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let data: UnsafeRawPointer
    public let type: GGMLType
    public let cols: Int
    public let rows: Int
    public var byteCount: Int { type.byteCount(elements: rows * cols) ?? 0 }
}

/// Pointers into the mapping for every tensor of a Llama model (llama2.c's `TransformerWeights`).
public struct LlamaWeights: @unchecked Sendable {
    public struct Layer: @unchecked Sendable {
        public let attnNorm: [Float]    // (embd)
        public let wq, wk, wv, wo: WeightMatrix
        public let ffnNorm: [Float]     // (embd)
        public let gate, up, down: WeightMatrix
    }

    public let tokenEmbedding: WeightMatrix  // (vocab rows, embd cols)
    public let outputNorm: [Float]           // (embd)
    public let output: WeightMatrix          // (vocab rows, embd cols); tied to tokenEmbedding when absent
    public let layers: [Layer]
    /// Llama-3.x RoPE frequency factors (`rope_freqs.weight`, dims / 2 values), when present.
    public let ropeFreqFactors: [Float]?

    public init(file: GGUFFile, config c: LlamaConfig) throws(ModelError) {
        func matrix(_ name: String, cols: Int, rows: Int) throws(ModelError) -> WeightMatrix {
            guard let t = file.tensor(name) else { throw .format(.missingTensor(name)) }
            guard t.dims.count <= 2, t.dims[0] == cols, t.rowCount == rows else {
                throw .tensorShape(name: name, expected: [cols, rows], found: t.dims)
            }
            guard TensorKernels.supported.contains(t.type) else { throw .unsupportedTensorType(name: name, type: t.type) }
            return WeightMatrix(name: name, data: file.data(t), type: t.type, cols: cols, rows: rows)
        }
        func vector(_ name: String, _ n: Int) throws(ModelError) -> [Float] {
            let m = try matrix(name, cols: n, rows: 1)
            return TensorKernels.dequantize(m.type, m.data, count: n) ?? []
        }
        // llama.cpp's optional per-tensor second scales (NVFP4 "scale2", `blk.N.attn_q.scale`, ...) multiply a
        // matmul's result; Roofline does not apply them yet, so a file with them is refused rather than run wrong.
        if let s = file.tensors.first(where: { $0.name.hasSuffix(".scale") }) {
            throw .unsupportedTensor(name: s.name, reason: "per-tensor weight scales (NVFP4 second-level scales) are not supported yet")
        }
        tokenEmbedding = try matrix("token_embd.weight", cols: c.embeddingLength, rows: c.vocabSize)
        outputNorm = try vector("output_norm.weight", c.embeddingLength)
        output = file.tensor("output.weight") == nil
            ? tokenEmbedding
            : try matrix("output.weight", cols: c.embeddingLength, rows: c.vocabSize)
        if file.tensor("rope_freqs.weight") != nil {
            let ff = try vector("rope_freqs.weight", c.ropeDimensionCount / 2)
            guard ff.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw .invalidHyperparameter(key: "rope_freqs.weight", value: "non-positive factor", reason: "RoPE frequency factors must be positive")
            }
            ropeFreqFactors = ff
        } else {
            ropeFreqFactors = nil
        }
        var layers: [Layer] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            layers.append(Layer(
                attnNorm: try vector(p + "attn_norm.weight", c.embeddingLength),
                wq: try matrix(p + "attn_q.weight", cols: c.embeddingLength, rows: c.qDim),
                wk: try matrix(p + "attn_k.weight", cols: c.embeddingLength, rows: c.kvDim),
                wv: try matrix(p + "attn_v.weight", cols: c.embeddingLength, rows: c.kvDim),
                wo: try matrix(p + "attn_output.weight", cols: c.qDim, rows: c.embeddingLength),
                ffnNorm: try vector(p + "ffn_norm.weight", c.embeddingLength),
                gate: try matrix(p + "ffn_gate.weight", cols: c.embeddingLength, rows: c.feedForwardLength),
                up: try matrix(p + "ffn_up.weight", cols: c.embeddingLength, rows: c.feedForwardLength),
                down: try matrix(p + "ffn_down.weight", cols: c.feedForwardLength, rows: c.embeddingLength)))
        }
        self.layers = layers
    }

    /// Bytes of weights streamed for one decoded token (every matrix once, one embedding row).
    public var bytesPerToken: Int {
        var total = output.byteCount + tokenEmbedding.byteCount / max(tokenEmbedding.rows, 1)
        for l in layers { total += [l.wq, l.wk, l.wv, l.wo, l.gate, l.up, l.down].reduce(0) { $0 + $1.byteCount } }
        return total
    }
}
