/// IBM Granite 3.x dense models (llama.cpp's `llama_model_granite`): Llama's layer with four multipliers from
/// the metadata: embeddings × `embedding_scale`, attention scores × `attention.scale` (instead of 1/√head),
/// each block's output × `residual_scale` before it joins the residual stream, and logits ÷ `logit_scale`.
/// Normal (not NeoX) RoPE over the whole head.
enum Granite {
    static let architecture = ModelArchitecture(name: "granite", layer: layer) {
        $0.ropeCoversHead = true
        $0.hyperparameters = hyperparameters
        $0.tensors = CommonTensors.llama()
        $0.huggingFace.classes = ["GraniteForCausalLM"]
    }

    /// `granite.logit_scale` is required and non-zero (llama.cpp reads it without a default); `residual_scale`,
    /// `embedding_scale` and `attention.scale` are optional (0: not applied).
    static func hyperparameters(_ c: inout ModelConfig, _ keys: ModelArchitecture.MetadataKeys) throws {
        c.logitScale = try keys.float("logit_scale")
        guard c.logitScale != 0 else {
            throw ModelError.invalidHyperparameter(key: "\(c.architecture).logit_scale", value: "0", reason: "must be a finite non-zero number")
        }
        c.residualScale = try keys.float("residual_scale", default: 0)
        c.embeddingScale = try keys.float("embedding_scale", default: 0)
        c.attentionScale = try keys.float("attention.scale", default: 0)
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()  // scores × attention.scale
        p.residual(scaledBy: p.config.residualScale)
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)
        p.residual(scaledBy: p.config.residualScale)
    }
}
