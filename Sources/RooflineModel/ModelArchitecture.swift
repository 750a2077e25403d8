/// How RoPE pairs the dimensions of a head (ggml's rope modes).
public enum RopeStyle: String, Sendable {
    /// Adjacent pairs (2i, 2i+1): ggml's "normal" mode, `llama`.
    case normal
    /// Pairs (i, i + dims/2): ggml's NeoX mode, `qwen2`, `qwen3` and most newer families.
    case neox
}

/// What sets one transformer family apart from Llama, as data the single forward pass consults
/// (llama.cpp's per-architecture `load_arch_tensors` / `build_arch_graph` and `llama_model_rope_type`).
/// Optional tensors that any family may carry (Q/K/V biases, fused `attn_qkv`, `output.weight`, `rope_freqs.weight`) are used
/// when present, as llama.cpp's `create_tensor_qkv` does.
public struct ModelArchitecture: Sendable, Equatable {
    /// `general.architecture` as llama.cpp spells it; also the prefix of the hyperparameter keys.
    public let name: String
    public let ropeStyle: RopeStyle
    /// Per-head RMSNorm of Q and K before RoPE (`attn_q_norm.weight`, `attn_k_norm.weight`, one head wide).
    public let qkNorm: Bool
    /// Gate and up projections stored as one `ffn_up.weight` of 2 × feed_forward_length rows, gate first (phi3).
    public let fusedGateUp: Bool
    /// Queries multiplied by 1/√headDim before attention, which then scales by 1 (phi3's graph); else the
    /// attention scales the scores.
    public let scaleQueries: Bool
    /// Whether `rope.dimension_count` must equal the head dimension (llama.cpp asserts it for these graphs).
    public let ropeCoversHead: Bool

    /// Every architecture Roofline runs, keyed by `general.architecture`.
    public static let registry: [String: ModelArchitecture] = Dictionary(uniqueKeysWithValues: [
        ModelArchitecture(name: "llama", ropeStyle: .normal, qkNorm: false, fusedGateUp: false, scaleQueries: false, ropeCoversHead: false),
        ModelArchitecture(name: "qwen2", ropeStyle: .neox, qkNorm: false, fusedGateUp: false, scaleQueries: false, ropeCoversHead: true),
        ModelArchitecture(name: "qwen3", ropeStyle: .neox, qkNorm: true, fusedGateUp: false, scaleQueries: false, ropeCoversHead: true),
        // Phi-3's sliding window (`phi3.attention.sliding_window`) is ignored, as llama.cpp does (its loader
        // turns it off for phi3).
        ModelArchitecture(name: "phi3", ropeStyle: .neox, qkNorm: false, fusedGateUp: true, scaleQueries: true, ropeCoversHead: false),
    ].map { ($0.name, $0) })

    /// The architecture called `name`, or an error listing the supported ones.
    public static func named(_ name: String) throws(ModelError) -> ModelArchitecture {
        guard let a = registry[name] else { throw .unsupportedArchitecture(name) }
        return a
    }
}
