/// Qwen3 dense (llama.cpp's `llm_build_qwen3`): no Q/K/V biases, a per-head RMSNorm of queries and keys before
/// RoPE (`attn_q_norm`, `attn_k_norm`), NeoX RoPE.
enum Qwen3 {
    static let architecture = ModelArchitecture(name: "qwen3", layer: layer) {
        $0.ropeStyle = .neox; $0.ropeCoversHead = true
        $0.tensors = CommonTensors.attention + CommonTensors.qkNorm + [CommonTensors.ffnNorm] + CommonTensors.gatedFFN()
        $0.huggingFace.classes = ["Qwen3ForCausalLM"]
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()  // Q/K normed per head before RoPE
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)
        p.residual()
    }
}
