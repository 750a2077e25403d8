/// Gemma 3 text models (llama.cpp's `llm_build_gemma3_iswa`): Gemma 2's layer (sandwich norms, GeGLU), with
/// per-head Q/K RMSNorm inside the attention instead of soft-capping, five sliding layers in six (the window
/// from the file), and sliding layers on RoPE base 10000 without the global layers' linear scaling unless
/// `rope.freq_base_swa` says otherwise: differences the shared blocks take from these traits and the weights.
enum Gemma3 {
    static let architecture = ModelArchitecture(name: "gemma3", layer: Gemma2.layer) {
        $0.ropeStyle = .neox; $0.scaleEmbeddings = true
        $0.tensors = Gemma2.tensors(qkNorm: true)
        $0.huggingFace.classes = ["Gemma3ForCausalLM"]; $0.huggingFace.normsOffsetByOne = true; $0.huggingFace.importsOutput = false
        $0.queryScale = .gemma(largeModelLayers: 62); $0.slidingWindow = (0, 6); $0.slidingRopeOwnDefaults = true
    }
}
