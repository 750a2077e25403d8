/// A transformer's shape, enough to count its parameters, FLOPs and bytes (decoder-only, SwiGLU FFN).
public struct ModelDescription: Sendable, Equatable {
    /// How attention stores its keys and values.
    public enum Attention: Sendable, Equatable {
        /// Multi-head / grouped-query attention: K and V of `kvHeads × headDim` per token and layer.
        case grouped
        /// DeepSeek's multi-head latent attention: one compressed latent of `kvLoraRank + ropeDim` per token and layer
        /// (DeepSeek-V2 paper, arXiv:2405.04434 §2.1). Query/key head width is `nopeDim + ropeDim`.
        case latent(qLoraRank: Int, kvLoraRank: Int, ropeDim: Int, nopeDim: Int, valueDim: Int)
    }

    public var name: String
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    /// FFN width of a dense layer.
    public var ffn: Int
    public var vocab: Int
    /// Output head shares the token-embedding matrix.
    public var tiedEmbeddings: Bool
    public var attention: Attention
    /// Routed experts per MoE layer (0 for a dense model).
    public var experts: Int
    /// Routed experts each token uses.
    public var activeExperts: Int
    /// Always-on shared experts per MoE layer.
    public var sharedExperts: Int
    /// FFN width of one expert.
    public var expertFFN: Int
    /// Leading layers that use a dense FFN in an MoE model (DeepSeek's `first_k_dense_replace`).
    public var denseLeadingLayers: Int
    /// Storage of the token embedding and output head when it differs from the other weights (a GGUF file's
    /// `output.weight`, or `token_embd.weight` when tied); nil means the plan's weight precision.
    public var embeddingPrecision: Precision?
    /// The type most of a GGUF file's weights are stored in, when it is one the planner knows.
    public var filePrecision: Precision?
    /// What a GGUF file's weight tensors take, read from the file: planned at `filePrecision`, the model is priced
    /// by these bytes rather than by that one type's bytes per weight (a mixed file such as llama.cpp's Q4_K_M).
    public var fileWeights: FileWeights?
    /// The architecture of Roofline's model layer that runs this model (`ModelArchitecture.registry`, the same
    /// registry the engine loads with and the importer converts with), or nil when the planner knows only its shape.
    public var engineArchitecture: String?

    public init(name: String, layers: Int, hidden: Int, heads: Int, kvHeads: Int, headDim: Int? = nil, ffn: Int, vocab: Int,
                tiedEmbeddings: Bool = false, attention: Attention = .grouped, experts: Int = 0, activeExperts: Int = 0,
                sharedExperts: Int = 0, expertFFN: Int? = nil, denseLeadingLayers: Int = 0) {
        self.name = name
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim ?? (heads > 0 ? hidden / heads : 0)
        self.ffn = ffn
        self.vocab = vocab
        self.tiedEmbeddings = tiedEmbeddings
        self.attention = attention
        self.experts = experts
        self.activeExperts = activeExperts
        self.sharedExperts = sharedExperts
        self.expertFFN = expertFFN ?? ffn
        self.denseLeadingLayers = denseLeadingLayers
    }

    /// The bytes and elements of a GGUF file's weight tensors. llama.cpp's mixed types keep some matrices in a wider
    /// format (Q4_K_M: half the attention V and FFN down matrices in Q6_K) and fall back to a 32-wide block format for
    /// rows that are not a multiple of 256 (Q5_0 in a Q4_K_M file), so one type's size per weight misprices them.
    public struct FileWeights: Sendable, Equatable {
        /// The matrices of the layers (`blk.*` tensors of two or more dimensions; norms and biases left out, as the
        /// parameter counts leave them out).
        public var layerBytes: Double
        public var layerElements: Double
        /// `token_embd.weight`.
        public var embeddingBytes: Double
        public var embeddingElements: Double
        /// `output.weight`, or nil when the head is tied to the embedding.
        public var outputBytes: Double?
        public var outputElements: Double?
        /// The layer matrices' bytes by ggml type name (e.g. "Q4_K").
        public var layerBytesByType: [String: Double]

        public init(layerBytes: Double, layerElements: Double, embeddingBytes: Double, embeddingElements: Double,
                    outputBytes: Double? = nil, outputElements: Double? = nil, layerBytesByType: [String: Double] = [:]) {
            self.layerBytes = layerBytes
            self.layerElements = layerElements
            self.embeddingBytes = embeddingBytes
            self.embeddingElements = embeddingElements
            self.outputBytes = outputBytes
            self.outputElements = outputElements
            self.layerBytesByType = layerBytesByType
        }

        /// Bytes per weight of the layers' matrices (the mix's).
        public var layerBytesPerWeight: Double { layerElements > 0 ? layerBytes / layerElements : 0 }
        /// Bytes per weight of the output head (the embedding's when tied).
        public var headBytesPerWeight: Double {
            if let b = outputBytes, let n = outputElements, n > 0 { return b / n }
            return embeddingElements > 0 ? embeddingBytes / embeddingElements : 0
        }
        /// Bytes per weight of the token embedding table.
        public var embeddingBytesPerWeight: Double { embeddingElements > 0 ? embeddingBytes / embeddingElements : headBytesPerWeight }

        /// The layers' mix, largest share first, e.g. "Q5_0 78%, Q6_K 13%, Q4_K 9%".
        public var mixDescription: String {
            layerBytesByType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { String(format: "%@ %.0f%%", $0.key, $0.value / max(layerBytes, 1) * 100) }.joined(separator: ", ")
        }
    }

    /// True when the FFN is a mixture of experts.
    public var isMoE: Bool { experts > 1 }

    /// Checks that every size is positive and consistent; a bad GGUF must not produce nonsense.
    public func validate() throws(PlannerError) {
        func bad(_ r: String) -> PlannerError { .invalidModel(name: name, reason: r) }
        for (k, v) in [("layers", layers), ("hidden", hidden), ("heads", heads), ("kv_heads", kvHeads), ("head_dim", headDim),
                       ("vocab", vocab)] where v <= 0 {
            throw bad("\(k) must be positive (got \(v))")
        }
        if kvHeads > heads || heads % kvHeads != 0 { throw bad("heads (\(heads)) must be a multiple of kv_heads (\(kvHeads))") }
        if isMoE {
            if activeExperts < 1 || activeExperts > experts { throw bad("active experts \(activeExperts) must be in 1...\(experts)") }
            if expertFFN <= 0 { throw bad("expert FFN width must be positive") }
            if denseLeadingLayers < 0 || denseLeadingLayers > layers { throw bad("dense leading layers out of range") }
        } else if ffn <= 0 {
            throw bad("ffn must be positive (got \(ffn))")
        }
        if case .latent(let q, let kv, let rope, let nope, let v) = attention, [kv, rope, nope, v].contains(where: { $0 <= 0 }) || q < 0 {
            throw bad("latent-attention ranks must be positive")
        }
    }
}
