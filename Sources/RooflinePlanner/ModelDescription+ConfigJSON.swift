import Foundation
import RooflineModel

/// Reading a model's shape from a safetensors checkpoint's `config.json` (the transformers key names used by
/// Llama, Mistral/Mixtral, Qwen and DeepSeek-V2/V3 configs).
extension ModelDescription {
    /// The shape described by `config.json` bytes; `name` labels errors and output.
    public init(configJSON data: Data, name: String) throws(PlannerError) {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidModel(name: name, reason: "config.json is not JSON: \(error.localizedDescription)")
        }
        guard let c = any as? [String: Any] else { throw .invalidModel(name: name, reason: "config.json is not an object") }
        func int(_ key: String) -> Int? { c[key] as? Int }
        func need(_ key: String) throws(PlannerError) -> Int {
            guard let v = int(key) else { throw .invalidModel(name: name, reason: "config.json has no integer '\(key)'") }
            return v
        }
        let heads = try need("num_attention_heads"), hidden = try need("hidden_size")
        let ffn = try need("intermediate_size")
        var attention = Attention.grouped
        var headDim = int("head_dim") ?? (heads > 0 ? hidden / heads : 0)
        if let kvLora = int("kv_lora_rank") {
            let rope = try need("qk_rope_head_dim"), nope = try need("qk_nope_head_dim")
            attention = .latent(qLoraRank: int("q_lora_rank") ?? 0, kvLoraRank: kvLora, ropeDim: rope, nopeDim: nope,
                                valueDim: try need("v_head_dim"))
            headDim = rope + nope
        }
        let experts = int("num_local_experts") ?? int("n_routed_experts") ?? int("num_experts") ?? 0
        // The family's declaration in the model layer's registry, when Roofline runs it: Gemma's checkpoints tie the
        // output to the embeddings unless the config says otherwise (its converter keeps no lm_head).
        let family = (c["architectures"] as? [String])?.first.flatMap(ModelArchitecture.forHuggingFace)
        let tied = (c["tie_word_embeddings"] as? Bool) ?? family.map { !$0.huggingFace.importsOutput } ?? false
        self.init(
            name: name, layers: try need("num_hidden_layers"), hidden: hidden, heads: heads,
            kvHeads: int("num_key_value_heads") ?? heads, headDim: headDim, ffn: ffn, vocab: try need("vocab_size"),
            tiedEmbeddings: tied, attention: attention, experts: experts,
            activeExperts: int("num_experts_per_tok") ?? 0, sharedExperts: int("n_shared_experts") ?? 0,
            expertFFN: int("moe_intermediate_size") ?? ffn, denseLeadingLayers: int("first_k_dense_replace") ?? 0)
        engineArchitecture = family?.name
        try validate()
    }
}
