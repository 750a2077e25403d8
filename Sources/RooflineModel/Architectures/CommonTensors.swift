/// The layer tensors most families share, as llama.cpp names them and its converter maps Hugging Face checkpoints
/// (gguf-py's tensor_mapping.py): an architecture's file lists these and its own (`LayerTensor`).
enum CommonTensors {
    typealias T = LayerTensor

    /// Pre-norm attention: separate Q, K and V, or one fused `attn_qkv` (llama.cpp's `create_tensor_qkv` takes it
    /// in every family), and the output projection.
    static let attention: [T] = [
        T(.attnNorm, "attn_norm.weight", [.embedding], hf: "input_layernorm.weight"),
        T(.wqkv, "attn_qkv.weight", [.embedding, .qkv], .optional, hf: "self_attn.qkv_proj.weight"),
        T(.wq, "attn_q.weight", [.embedding, .q], .unless(.wqkv), hf: "self_attn.q_proj.weight"),
        T(.wk, "attn_k.weight", [.embedding, .kv], .unless(.wqkv), hf: "self_attn.k_proj.weight"),
        T(.wv, "attn_v.weight", [.embedding, .kv], .unless(.wqkv), hf: "self_attn.v_proj.weight"),
        T(.wo, "attn_output.weight", [.q, .embedding], hf: "self_attn.o_proj.weight"),
    ]

    /// Biases of Q, K and V (or of the fused projection), with the presence the family gives them.
    static func qkvBiases(_ presence: LayerTensor.Presence) -> [T] {
        [T(.bqkv, "attn_qkv.bias", [.qkv], .optional, hf: []),
         T(.bq, "attn_q.bias", [.q], presence == .required ? .unless(.bqkv) : presence, hf: "self_attn.q_proj.bias"),
         T(.bk, "attn_k.bias", [.kv], presence == .required ? .unless(.bqkv) : presence, hf: "self_attn.k_proj.bias"),
         T(.bv, "attn_v.bias", [.kv], presence == .required ? .unless(.bqkv) : presence, hf: "self_attn.v_proj.bias")]
    }

    /// Per-head RMSNorm of queries and keys before RoPE (Qwen3, Gemma 3).
    static let qkNorm: [T] = [
        T(.qNorm, "attn_q_norm.weight", [.head], hf: "self_attn.q_norm.weight"),
        T(.kNorm, "attn_k_norm.weight", [.head], hf: "self_attn.k_norm.weight"),
    ]

    /// The RMSNorm before the FFN, which the checkpoints call `post_attention_layernorm`.
    static let ffnNorm = T(.ffnNorm, "ffn_norm.weight", [.embedding], hf: "post_attention_layernorm.weight")

    /// A gated FFN: gate and up projections, then down (`presence` `.dense` when experts may replace it).
    static func gatedFFN(_ presence: LayerTensor.Presence = .required) -> [T] {
        [T(.gate, "ffn_gate.weight", [.embedding, .ff], presence, hf: "mlp.gate_proj.weight"),
         T(.up, "ffn_up.weight", [.embedding, .ff], presence, hf: "mlp.up_proj.weight"),
         T(.down, "ffn_down.weight", [.ff, .embedding], presence, hf: "mlp.down_proj.weight")]
    }

    /// A mixture of gated experts stacked into `ffn_*_exps` with the router `ffn_gate_inp`, from checkpoint modules
    /// named `block` (`mlp` in Qwen3-MoE, `block_sparse_moe` in Mixtral) whose experts' projections are `names`
    /// (gate, up, down).
    static func experts(block: String, names: (String, String, String)) -> [T] {
        let e = "\(block).experts.{e}."
        return [T(.router, "ffn_gate_inp.weight", [.embedding, .experts], .experts, hf: "\(block).gate.weight"),
                T(.gateExperts, "ffn_gate_exps.weight", [.embedding, .expertFF, .experts], .experts, hf: e + names.0 + ".weight"),
                T(.upExperts, "ffn_up_exps.weight", [.embedding, .expertFF, .experts], .experts, hf: e + names.1 + ".weight"),
                T(.downExperts, "ffn_down_exps.weight", [.expertFF, .embedding, .experts], .experts, hf: e + names.2 + ".weight")]
    }

    /// Llama's layer: attention with optional biases, a gated FFN.
    static func llama(ffn: LayerTensor.Presence = .required) -> [T] {
        attention + qkvBiases(.optional)
            + [T(.bo, "attn_output.bias", [.embedding], .optional, hf: "self_attn.o_proj.bias"), ffnNorm] + gatedFFN(ffn)
    }
}
