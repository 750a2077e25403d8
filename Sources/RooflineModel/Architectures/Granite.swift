/// IBM Granite 3.x dense models (llama.cpp's `llama_model_granite`): Llama's layer with four multipliers from
/// the metadata: embeddings × `embedding_scale`, attention scores × `attention.scale` (instead of 1/√head),
/// each block's output × `residual_scale` before it joins the residual stream, and logits ÷ `logit_scale`.
/// Normal (not NeoX) RoPE over the whole head.
enum Granite {
    static let architecture = ModelArchitecture(name: "granite", layer: layer) {
        $0.ropeCoversHead = true; $0.graniteMultipliers = true
        $0.tensors = CommonTensors.llama()
        $0.huggingFace.classes = ["GraniteForCausalLM"]
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
