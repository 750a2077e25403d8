/// Phi-3 and Phi-3.5 (llama.cpp's `llm_build_phi3`): fused `attn_qkv` and gate/up (`ffn_up` holds gate rows
/// then up rows), queries scaled by 1/√head before attention, NeoX RoPE. Its sliding window
/// (`phi3.attention.sliding_window`) is ignored, as llama.cpp's loader turns it off for phi3.
enum Phi3 {
    static let architecture = ModelArchitecture(name: "phi3", layer: layer) {
        $0.ropeStyle = .neox; $0.fusedGateUp = true; $0.queryScale = .inverseSqrtHead
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
