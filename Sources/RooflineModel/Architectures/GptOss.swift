/// gpt-oss (llama.cpp's LLM_ARCH_OPENAI_MOE, src/models/openai-moe.cpp): biases on every projection, a learned
/// sink logit per head in each attention softmax, every other layer a sliding window (the window is required),
/// YaRN RoPE from the metadata, and in every layer MXFP4 experts chosen top-k-then-softmax with biases and the
/// clamped SwiGLU (`swiglu_oai`). Its pre-FFN norm is stored as `post_attention_norm`.
enum GptOss {
    static let architecture = ModelArchitecture(name: "gpt-oss", layer: layer) {
        $0.ropeStyle = .neox; $0.ropeCoversHead = true; $0.mixtureOfExperts = true; $0.requiresExperts = true
        $0.expertGating = .topKThenSoftmax; $0.openAIExperts = true
        $0.slidingWindow = (0, 2); $0.requiresSlidingWindowKey = true
        $0.tensors = tensors
        $0.huggingFace.classes = ["GptOssForCausalLM"]
    }

    typealias T = LayerTensor
    /// Biases on every attention projection, sinks, the pre-FFN norm stored as `post_attention_norm`, and MXFP4
    /// experts with biases whose checkpoint layout (`*_blocks`, `*_scales`, gate and up interleaved) the importer
    /// reshapes in its own code (HFTensorPlan+OpenAI.swift).
    static let tensors: [LayerTensor] = CommonTensors.attention + CommonTensors.qkvBiases(.required) + [
        T(.bo, "attn_output.bias", [.embedding], hf: "self_attn.o_proj.bias"),
        T(.sinks, "attn_sinks.weight", [.heads], hf: "self_attn.sinks"),
        T(.ffnNorm, "post_attention_norm.weight", [.embedding], hf: "post_attention_layernorm.weight"),
        T(.router, "ffn_gate_inp.weight", [.embedding, .experts], hf: "mlp.router.weight"),
        T(.routerBias, "ffn_gate_inp.bias", [.experts], hf: "mlp.router.bias"),
        T(.gateExperts, "ffn_gate_exps.weight", [.embedding, .expertFF, .experts], hf: []),
        T(.upExperts, "ffn_up_exps.weight", [.embedding, .expertFF, .experts], hf: []),
        T(.downExperts, "ffn_down_exps.weight", [.expertFF, .embedding, .experts], hf: []),
        T(.gateExpertsBias, "ffn_gate_exps.bias", [.expertFF, .experts], hf: []),
        T(.upExpertsBias, "ffn_up_exps.bias", [.expertFF, .experts], hf: []),
        T(.downExpertsBias, "ffn_down_exps.bias", [.embedding, .experts], hf: []),
    ]

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()  // with sinks and the output bias
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)  // the experts, swiglu_oai
        p.residual()
    }
}
