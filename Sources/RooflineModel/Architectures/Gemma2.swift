/// Gemma 2 (llama.cpp's `llm_build_gemma2_iswa`): embeddings scaled by √embd, RMSNorm before and after both
/// the attention and the FFN, a GeGLU FFN, every other layer a sliding window (4096 unless the file says),
/// attention logits soft-capped at 50 and final logits at 30 (unless the file says), queries scaled by
/// 1/√head (1/√(embd/heads) for the 27B model, told by its 46 layers).
enum Gemma2 {
    static let architecture = ModelArchitecture(name: "gemma2", layer: layer) {
        $0.ropeStyle = .neox; $0.scaleEmbeddings = true
        $0.tensors = tensors(qkNorm: false)
        $0.huggingFace.classes = ["Gemma2ForCausalLM"]; $0.huggingFace.normsOffsetByOne = true; $0.huggingFace.importsOutput = false
        $0.queryScale = .gemma(largeModelLayers: 46); $0.slidingWindow = (4096, 2); $0.attentionSoftcap = 50; $0.finalSoftcap = 30
    }

    /// Sandwich norms around both blocks (the checkpoints' pre_feedforward_layernorm is the FFN's norm).
    static func tensors(qkNorm: Bool) -> [LayerTensor] {
        CommonTensors.attention + (qkNorm ? CommonTensors.qkNorm : []) + [
            LayerTensor(.attnPostNorm, "post_attention_norm.weight", [.embedding], hf: "post_attention_layernorm.weight"),
            LayerTensor(.ffnNorm, "ffn_norm.weight", [.embedding], hf: "pre_feedforward_layernorm.weight"),
            LayerTensor(.ffnPostNorm, "post_ffw_norm.weight", [.embedding], hf: "post_feedforward_layernorm.weight"),
        ] + CommonTensors.gatedFFN()
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()
        p.postNorm(p.weights.attnPostNorm!)
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.gelu)
        p.postNorm(p.weights.ffnPostNorm!)
        p.residual()
    }
}
