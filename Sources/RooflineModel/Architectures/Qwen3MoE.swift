/// Qwen3-MoE (llama.cpp's `llm_build_qwen3moe`): Qwen3's attention and, in every layer, a mixture of SwiGLU
/// experts (`expert_count`, `expert_used_count`, `expert_feed_forward_length`; softmax router, top k,
/// weights renormalised).
enum Qwen3MoE {
    static let architecture = ModelArchitecture(name: "qwen3moe", layer: layer) {
        $0.ropeStyle = .neox; $0.ropeCoversHead = true; $0.mixtureOfExperts = true; $0.requiresExperts = true
        $0.tensors = CommonTensors.attention + CommonTensors.qkNorm + [CommonTensors.ffnNorm]
            + CommonTensors.experts(block: "mlp", names: ("gate_proj", "up_proj", "down_proj"))
        $0.huggingFace.classes = ["Qwen3MoeForCausalLM"]
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)  // the experts
        p.residual()
    }
}
