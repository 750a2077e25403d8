/// Phi-3 and Phi-3.5 (llama.cpp's `llm_build_phi3`): fused `attn_qkv` and gate/up (`ffn_up` holds gate rows
/// then up rows), queries scaled by 1/√head before attention, NeoX RoPE. Its sliding window
/// (`phi3.attention.sliding_window`) is ignored, as llama.cpp's loader turns it off for phi3.
enum Phi3 {
    static let architecture = ModelArchitecture(name: "phi3", layer: layer) {
        $0.ropeStyle = .neox; $0.queryScale = .inverseSqrtHead
        $0.tensors = CommonTensors.attention + [CommonTensors.ffnNorm,
            // ggml_swiglu's halves: gate rows then up rows, fused in the checkpoint or concatenated by the converter.
            LayerTensor(.gateUp, "ffn_up.weight", [.embedding, .twoFF], hf: [["mlp.gate_up_proj.weight"], ["mlp.gate_proj.weight", "mlp.up_proj.weight"]]),
            LayerTensor(.down, "ffn_down.weight", [.ff, .embedding], hf: "mlp.down_proj.weight")]
        $0.huggingFace.classes = ["Phi3ForCausalLM"]
    }

    static func layer(_ p: inout LayerPass) {
        p.norm(p.weights.attnNorm)
        p.selfAttention()  // the fused projection's Q, K, V views; Q scaled
        p.residual()
        p.norm(p.weights.ffnNorm)
        p.feedForward(.silu)  // the fused gate/up's halves
        p.residual()
    }
}
