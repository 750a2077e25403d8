import Foundation

/// Parameter, KV-cache and attention counts. Norm weights and biases are left out (under 0.01% of any preset).
extension ModelDescription {
    /// Width of the query projection output (all heads).
    var queryWidth: Double {
        switch attention {
        case .grouped: Double(heads * headDim)
        case .latent(_, _, let rope, let nope, _): Double(heads * (nope + rope))
        }
    }

    /// Attention weights in one layer.
    public var attentionParamsPerLayer: Double {
        let d = Double(hidden)
        switch attention {
        case .grouped:
            let q = Double(heads * headDim), kv = Double(kvHeads * headDim)
            return d * q + 2 * d * kv + q * d
        case .latent(let qLora, let kvLora, let rope, let nope, let v):
            let h = Double(heads)
            let qProj = qLora > 0 ? d * Double(qLora) + Double(qLora) * h * Double(nope + rope) : d * h * Double(nope + rope)
            let kvDown = d * Double(kvLora + rope)
            let kvUp = Double(kvLora) * h * Double(nope + v)
            return qProj + kvDown + kvUp + h * Double(v) * d
        }
    }

    /// Weights of one SwiGLU FFN of width `width` (gate, up, down).
    func ffnParams(width: Int) -> Double { 3 * Double(hidden) * Double(width) }

    /// Layers with an MoE FFN.
    var moeLayers: Int { isMoE ? layers - denseLeadingLayers : 0 }
    /// Layers with a dense FFN.
    var denseLayers: Int { layers - moeLayers }

    /// FFN and router weights of one MoE layer when `experts` routed experts are counted.
    func moeLayerParams(experts touched: Double) -> Double {
        (touched + Double(sharedExperts)) * ffnParams(width: expertFFN) + Double(hidden) * Double(experts)
    }

    /// Weights in all layers, counting `touched` routed experts per MoE layer.
    func layerParams(expertsPerLayer touched: Double) -> Double {
        Double(layers) * attentionParamsPerLayer + Double(denseLayers) * ffnParams(width: ffn)
            + Double(moeLayers) * moeLayerParams(experts: touched)
    }

    /// Token embedding plus output head.
    public var embeddingParams: Double { Double(vocab) * Double(hidden) * (tiedEmbeddings ? 1 : 2) }

    /// All weights.
    public var totalParams: Double { layerParams(expertsPerLayer: Double(experts)) + embeddingParams }

    /// Weights one token uses (its routed experts only), embeddings included, as model cards count them.
    public var activeParams: Double { layerParams(expertsPerLayer: Double(activeExperts)) + embeddingParams }

    /// Weights multiplied by one token's activations: the layers and the output head, not the embedding lookup.
    public var matmulParamsPerToken: Double { layerMatmulParamsPerToken + headParams }

    /// Weights multiplied by one token's activations in the layers alone (its routed experts only).
    public var layerMatmulParamsPerToken: Double { layerParams(expertsPerLayer: Double(activeExperts)) }

    /// The output head's weights (vocabulary × hidden).
    public var headParams: Double { Double(vocab) * Double(hidden) }

    /// Expected distinct routed experts a layer reads for `tokens` tokens, assuming uniform independent
    /// routing: E·(1 − (1 − k/E)^tokens).
    public func expertsTouched(tokens: Int) -> Double {
        guard isMoE else { return 0 }
        let e = Double(experts), k = Double(activeExperts)
        return e * (1 - pow(1 - k / e, Double(max(tokens, 1))))
    }

    /// Weights read from memory to process `tokens` tokens in one pass (each weight read once).
    /// The embedding table contributes only its looked-up rows, which are left out.
    public func weightsRead(tokens: Int) -> Double {
        layerParams(expertsPerLayer: expertsTouched(tokens: tokens)) + Double(vocab) * Double(hidden)
    }

    /// The file's own weights, when the model is planned at the type its GGUF file stores it in.
    func ownFileWeights(_ p: Precision) -> FileWeights? { p == filePrecision ? fileWeights : nil }

    /// Bytes per weight of the layers' matrices at precision `p`: the file's mix when `p` is its own type.
    public func layerBytesPerWeight(_ p: Precision) -> Double {
        ownFileWeights(p)?.layerBytesPerWeight ?? p.bytesPerElement
    }

    /// Bytes per weight of the output head at precision `p` (its own type in a GGUF file).
    public func headBytesPerWeight(_ p: Precision) -> Double {
        ownFileWeights(p)?.headBytesPerWeight ?? (embeddingPrecision ?? p).bytesPerElement
    }

    /// Bytes of weights read to process `tokens` tokens in one pass, the embedding/output head at its own precision.
    public func weightBytesRead(tokens: Int, _ p: Precision) -> Double {
        layerParams(expertsPerLayer: expertsTouched(tokens: tokens)) * layerBytesPerWeight(p)
            + Double(vocab) * Double(hidden) * headBytesPerWeight(p)
    }

    /// Bytes of all weights stored at precision `p` (the embedding and output head at their own).
    public func weightBytes(_ p: Precision) -> Double {
        let layers = (totalParams - embeddingParams) * layerBytesPerWeight(p)
        if let f = ownFileWeights(p) {
            let table = Double(vocab) * Double(hidden)
            return layers + table * f.embeddingBytesPerWeight + (tiedEmbeddings ? 0 : table * f.headBytesPerWeight)
        }
        return layers + embeddingParams * (embeddingPrecision ?? p).bytesPerElement
    }

    /// KV-cache elements stored per token in one layer.
    public var kvElementsPerTokenPerLayer: Double {
        switch attention {
        case .grouped: Double(2 * kvHeads * headDim)
        case .latent(_, let kvLora, let rope, _, _): Double(kvLora + rope)
        }
    }

    /// Query heads that share one KV head (1 for latent attention, whose latent every head reads once).
    public var queryHeadsPerKVHead: Double {
        switch attention {
        case .grouped: Double(heads) / Double(max(kvHeads, 1))
        case .latent: 1
        }
    }

    /// KV-cache bytes per token across all layers.
    public func kvBytesPerToken(_ p: Precision) -> Double { Double(layers) * kvElementsPerTokenPerLayer * p.bytesPerElement }

    /// Attention FLOPs (QKᵀ and AV, 2 per multiply-add) for one query token over `context` cached tokens, all layers.
    public func attentionFLOPs(context: Double) -> Double {
        let (dk, dv): (Int, Int) = switch attention {
        case .grouped: (headDim, headDim)
        case .latent(_, _, let rope, let nope, let v): (nope + rope, v)
        }
        return Double(layers) * 2 * Double(heads) * Double(dk + dv) * context
    }

    /// Activation elements one token reads and writes through the matmuls of one layer (inputs plus outputs):
    /// QKV in d out q+2kv, O in q out d, gate/up in d out 2F, down in F out d, F summed over used experts.
    var activationElementsPerTokenPerLayer: Double {
        let d = Double(hidden)
        let kv = attention == .grouped ? Double(kvHeads * headDim) : kvElementsPerTokenPerLayer / 2
        let f = isMoE ? Double(activeExperts + sharedExperts) * Double(expertFFN) : Double(ffn)
        return 4 * d + 2 * queryWidth + 2 * kv + 3 * f
    }
}
