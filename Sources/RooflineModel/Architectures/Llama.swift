/// Llama 2/3 (Touvron et al., 2023; llama.cpp's `llm_build_llama`), and Mixtral when the file has
/// `llama.expert_count`: pre-RMSNorm, RoPE attention over grouped KV heads, a SwiGLU FFN or a mixture of SwiGLU
/// experts. Llama 3.x's `rope_freqs.weight` and any Q/K/V biases are read when present.
enum Llama {
    static let architecture = ModelArchitecture(name: "llama", layer: layer) {
        $0.mixtureOfExperts = true
        $0.tensors = CommonTensors.llama(ffn: .dense) + CommonTensors.experts(block: "block_sparse_moe", names: ("w1", "w3", "w2"))
        $0.huggingFace.classes = ["LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM"]
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)
        p.residual()
    }
}
