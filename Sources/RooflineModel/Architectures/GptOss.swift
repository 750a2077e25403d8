/// gpt-oss (llama.cpp's LLM_ARCH_OPENAI_MOE, src/models/openai-moe.cpp): biases on every projection, a learned
/// sink logit per head in each attention softmax, every other layer a sliding window (the window is required),
/// YaRN RoPE from the metadata, and in every layer MXFP4 experts chosen top-k-then-softmax with biases and the
/// clamped SwiGLU (`swiglu_oai`). Its pre-FFN norm is stored as `post_attention_norm`.
enum GptOss {
    static let architecture = ModelArchitecture(name: "gpt-oss", layer: layer) {
        $0.ropeStyle = .neox; $0.ropeCoversHead = true; $0.mixtureOfExperts = true; $0.requiresExperts = true
        $0.expertGating = .topKThenSoftmax; $0.openAIExperts = true; $0.ffnNormName = "post_attention_norm"
        $0.attentionSinks = true; $0.slidingWindow = (0, 2); $0.requiresSlidingWindowKey = true
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()  // with sinks and the output bias
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)  // the experts, swiglu_oai
        p.residual()
    }
}
