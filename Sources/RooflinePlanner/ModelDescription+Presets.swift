/// Built-in model shapes, copied from each model's published `config.json`.
extension ModelDescription {
    /// Preset names, in the order `roofline plan` lists them.
    public static let presetNames = presets.map(\.name)

    /// The preset called `name` (case-insensitive), if any.
    public static func preset(_ name: String) -> ModelDescription? {
        presets.first { $0.name == name.lowercased() }
    }

    static let presets: [ModelDescription] = [
        // meta-llama/Llama-2-7b-hf config.json: 32 layers, hidden 4096, 32 heads, 32 KV heads, FFN 11008, vocab 32000.
        ModelDescription(name: "llama-2-7b", layers: 32, hidden: 4096, heads: 32, kvHeads: 32, ffn: 11008, vocab: 32000),
        // meta-llama/Llama-2-13b-hf config.json: 40 layers, hidden 5120, 40 heads, 40 KV heads, FFN 13824, vocab 32000.
        ModelDescription(name: "llama-2-13b", layers: 40, hidden: 5120, heads: 40, kvHeads: 40, ffn: 13824, vocab: 32000),
        // meta-llama/Llama-2-70b-hf config.json: 80 layers, hidden 8192, 64 heads, 8 KV heads, FFN 28672, vocab 32000.
        ModelDescription(name: "llama-2-70b", layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 32000),
        // meta-llama/Llama-3.1-8B config.json: 32 layers, hidden 4096, 32 heads, 8 KV heads, FFN 14336, vocab 128256.
        ModelDescription(name: "llama-3.1-8b", layers: 32, hidden: 4096, heads: 32, kvHeads: 8, ffn: 14336, vocab: 128256),
        // meta-llama/Llama-3.1-70B config.json: 80 layers, hidden 8192, 64 heads, 8 KV heads, FFN 28672, vocab 128256.
        ModelDescription(name: "llama-3.1-70b", layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 128256),
        // meta-llama/Llama-3.1-405B config.json: 126 layers, hidden 16384, 128 heads, 8 KV heads, FFN 53248, vocab 128256.
        ModelDescription(name: "llama-3.1-405b", layers: 126, hidden: 16384, heads: 128, kvHeads: 8, ffn: 53248, vocab: 128256),
        // meta-llama/Llama-3.2-3B config.json: 28 layers, hidden 3072, 24 heads, 8 KV heads, FFN 8192, vocab 128256, tied.
        ModelDescription(name: "llama-3.2-3b", layers: 28, hidden: 3072, heads: 24, kvHeads: 8, ffn: 8192, vocab: 128256,
                         tiedEmbeddings: true),
        // Qwen/Qwen2-1.5B config.json: 28 layers, hidden 1536, 12 heads, 2 KV heads, FFN 8960, vocab 151936, tied.
        ModelDescription(name: "qwen2-1.5b", layers: 28, hidden: 1536, heads: 12, kvHeads: 2, ffn: 8960, vocab: 151936,
                         tiedEmbeddings: true),
        // Qwen/Qwen2.5-7B config.json: 28 layers, hidden 3584, 28 heads, 4 KV heads, FFN 18944, vocab 152064, untied.
        ModelDescription(name: "qwen2.5-7b", layers: 28, hidden: 3584, heads: 28, kvHeads: 4, ffn: 18944, vocab: 152064),
        // Qwen/Qwen3-32B config.json: 64 layers, hidden 5120, 64 heads of head_dim 128, 8 KV heads, FFN 25600,
        // vocab 151936, untied (the per-head q/k norms, 128 weights each, are not counted).
        ModelDescription(name: "qwen3-32b", layers: 64, hidden: 5120, heads: 64, kvHeads: 8, headDim: 128, ffn: 25600,
                         vocab: 151936),
        // mistralai/Mixtral-8x7B-v0.1 config.json: 32 layers, hidden 4096, 32 heads, 8 KV heads, FFN 14336,
        // vocab 32000, 8 local experts, 2 per token.
        ModelDescription(name: "mixtral-8x7b", layers: 32, hidden: 4096, heads: 32, kvHeads: 8, ffn: 14336, vocab: 32000,
                         experts: 8, activeExperts: 2),
        // deepseek-ai/DeepSeek-V3 config.json: 61 layers, hidden 7168, 128 heads, q_lora_rank 1536, kv_lora_rank 512,
        // qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128, first_k_dense_replace 3 (dense FFN 18432),
        // 256 routed experts (moe_intermediate_size 2048), 8 per token, 1 shared, vocab 129280.
        // The multi-token-prediction module (num_nextn_predict_layers) is not counted: 671B total, ~37B active.
        ModelDescription(name: "deepseek-v3", layers: 61, hidden: 7168, heads: 128, kvHeads: 128, headDim: 192, ffn: 18432,
                         vocab: 129280,
                         attention: .latent(qLoraRank: 1536, kvLoraRank: 512, ropeDim: 64, nopeDim: 128, valueDim: 128),
                         experts: 256, activeExperts: 8, sharedExperts: 1, expertFFN: 2048, denseLeadingLayers: 3),
        // openai/gpt-oss-20b and gpt-oss-120b config.json: 24 / 36 layers, hidden 2880, 64 heads of 64, 8 KV heads,
        // 32 / 128 experts of intermediate_size 2880, 4 per token, vocab 201088, untied; no dense FFN. OpenAI's model
        // card gives 20.9B / 116.8B total and 3.6B / 5.1B active parameters. Not modelled: the attention biases and
        // sinks (thousands of parameters), the 128-token window of every other layer (the KV cache is counted in
        // full on all layers, an overestimate at long context), and BF16 attention beside the MXFP4 experts
        // (`--precision mxfp4` stores everything in MXFP4, ~1.4 GB less than the published 120b checkpoint).
        ModelDescription(name: "gpt-oss-20b", layers: 24, hidden: 2880, heads: 64, kvHeads: 8, headDim: 64, ffn: 2880, vocab: 201088,
                         experts: 32, activeExperts: 4),
        ModelDescription(name: "gpt-oss-120b", layers: 36, hidden: 2880, heads: 64, kvHeads: 8, headDim: 64, ffn: 2880, vocab: 201088,
                         experts: 128, activeExperts: 4),
        // HuggingFaceTB/SmolLM2-135M config.json: 30 layers, hidden 576, 9 heads, 3 KV heads, FFN 1536, vocab 49152, tied.
        ModelDescription(name: "smollm2-135m", layers: 30, hidden: 576, heads: 9, kvHeads: 3, ffn: 1536, vocab: 49152,
                         tiedEmbeddings: true),
    ]
}
