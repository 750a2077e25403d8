/// Qwen2 and Qwen2.5 (llama.cpp's `llm_build_qwen2`): Llama's layer with biases on the Q, K and V projections
/// and NeoX RoPE, whose dimensions must cover the head.
enum Qwen2 {
    static let architecture = ModelArchitecture(name: "qwen2", layer: layer) {
        $0.ropeStyle = .neox; $0.ropeCoversHead = true
        $0.tensors = CommonTensors.attention + CommonTensors.qkvBiases(.required) + [CommonTensors.ffnNorm] + CommonTensors.gatedFFN()
        $0.huggingFace.classes = ["Qwen2ForCausalLM"]
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()  // with attn_q/k/v.bias
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)
        p.residual()
    }
}
