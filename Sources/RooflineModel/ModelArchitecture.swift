import RooflineGGUF

/// How RoPE pairs the dimensions of a head (ggml's rope modes).
public enum RopeStyle: String, Sendable {
    /// Adjacent pairs (2i, 2i+1): ggml's "normal" mode, `llama`.
    case normal
    /// Pairs (i, i + dims/2): ggml's NeoX mode, `qwen2`, `qwen3` and most newer families.
    case neox
}

/// One transformer family: its layer's forward in paper order over the shared blocks (`layer`, written in the
/// family's file under Architectures/), and what its hyperparameters, weights and shared blocks need to know
/// (llama.cpp's per-architecture `load_arch_tensors` / `build_arch_graph` and `llama_model_rope_type`).
/// Its layer's tensors are declared by name (`tensors`, shared ones in Architectures/CommonTensors.swift) with the
/// checkpoint names the importer maps; the model-wide ones (`token_embd`, `output_norm`, an optional `output` and
/// `rope_freqs`) are the same for all. Adding a family: a file with its `architecture` (traits, tensors,
/// `huggingFace` classes) and `layer`, and a line in `registry`.
public struct ModelArchitecture: Sendable, Equatable {
    /// The gated FFN's activation, as a family's layer names it: silu(gate)·up (SwiGLU) or gelu(gate)·up
    /// (GeGLU, ggml's tanh GELU).
    public enum Activation: String, Sendable { case silu, gelu }
    /// How queries are scaled before attention, which then scales its scores by 1 (llama.cpp's graphs for
    /// these families); `.none` lets the attention scale the scores by 1/√headDim.
    /// `gemma(largeModelLayers:)`: 1/√headDim, except 1/√(embedding/heads) for the 27B model, told by its layer
    /// count (llama.cpp's `f_attention_scale`).
    public enum QueryScale: Sendable, Equatable { case none, inverseSqrtHead, gemma(largeModelLayers: Int) }

    /// `general.architecture` as llama.cpp spells it; also the prefix of the hyperparameter keys.
    public let name: String
    public var ropeStyle: RopeStyle = .normal
    public var queryScale: QueryScale = .none
    /// Whether `rope.dimension_count` must equal the head dimension (llama.cpp asserts it for these graphs).
    public var ropeCoversHead = false
    /// Embeddings multiplied by √embedding_length (Gemma).
    public var scaleEmbeddings = false
    /// Sliding-window attention on some layers: the window when `attention.sliding_window` is absent and the
    /// period of the pattern when `attention.sliding_window_pattern` is absent (every layer but the last of each
    /// period slides, llama.cpp's `set_swa_pattern`); a default window of 0 means no sliding unless the key sets
    /// one (gemma3). nil: all layers global, the keys are ignored.
    public var slidingWindow: (window: Int, period: Int)? = nil
    /// RoPE of the sliding layers when `rope.freq_base_swa` is absent: the global base and scale (gemma2), or
    /// llama.cpp's defaults, base 10000 and no scaling (gemma3, whose linear scaling is for global layers only).
    public var slidingRopeOwnDefaults = false
    /// Soft-capping defaults (`attn_logit_softcapping`, `final_logit_softcapping` keys override; 0 = none).
    public var attentionSoftcap: Float = 0
    public var finalSoftcap: Float = 0
    /// Mixture-of-experts FFN when `expert_count` > 0 (softmax router, top-k, weights renormalised to sum 1, as
    /// llama.cpp's `build_moe_ffn` with `norm_w` for these families); `requiresExperts`: the family has no dense FFN.
    public var mixtureOfExperts = false
    public var requiresExperts = false
    /// How router logits become expert weights: `.softmaxThenTopK` (softmax over all experts, top k, renormalised)
    /// or `.topKThenSoftmax` (top k of the logits, softmax over those k only: llama.cpp's
    /// `LLAMA_EXPERT_GATING_FUNC_TYPE_SOFTMAX_WEIGHT`, gpt-oss).
    public enum ExpertGating: Sendable { case softmaxThenTopK, topKThenSoftmax }
    public var expertGating: ExpertGating = .softmaxThenTopK
    /// The experts' activation is gpt-oss's clamped SwiGLU (`swiglu_oai`), with the biases its tensors declare.
    public var openAIExperts = false
    /// The family's own metadata keys, read after the shared ones (`ModelConfig.init`) from `<arch>.*` and checked:
    /// Granite's multipliers, for one. nil: the family has none.
    var hyperparameters: (@Sendable (inout ModelConfig, MetadataKeys) throws -> Void)? = nil
    /// `attention.sliding_window` must be present (llama.cpp reads it without a default for gpt-oss).
    public var requiresSlidingWindowKey = false

    /// The tensors of a layer by name, dimensions and presence, with their checkpoint names (`LayerTensor`).
    public var tensors: [LayerTensor] = []

    /// How a Hugging Face checkpoint of the family is imported: the `architectures` entries of its `config.json`,
    /// whether the converter adds 1 to every `*norm.weight` (Gemma's RMSNorm multiplies by 1 + w), and whether it
    /// keeps `lm_head.weight` (Gemma's converter drops it: the output is tied). Q and K rows are permuted when the
    /// family's RoPE is `.normal` (the checkpoints store them in NeoX's half-split order).
    public struct HuggingFace: Sendable {
        public var classes: [String] = []
        public var normsOffsetByOne = false
        public var importsOutput = true
    }
    public var huggingFace = HuggingFace()

    /// One layer's forward: the shared blocks of `LayerPass` in the family's order.
    let layer: @Sendable (inout LayerPass) -> Void

    init(name: String, layer: @escaping @Sendable (inout LayerPass) -> Void, configure: (inout ModelArchitecture) -> Void = { _ in }) {
        self.name = name
        self.layer = layer
        configure(&self)
    }

    public static func == (a: ModelArchitecture, b: ModelArchitecture) -> Bool { a.name == b.name }

    /// An architecture's metadata keys in a file: `<arch>.<key>` read as llama.cpp's `get_key` reads them, errors
    /// naming the key.
    struct MetadataKeys {
        let file: GGUFFile
        let prefix: String

        func float(_ key: String) throws(ModelError) -> Float { try read(key, default: nil) }
        func float(_ key: String, default d: Float) throws(ModelError) -> Float { try read(key, default: d) }

        private func read(_ key: String, default d: Float?) throws(ModelError) -> Float {
            let full = "\(prefix).\(key)"
            do {
                let v = try d.map { try file.float(full, default: Double($0)) } ?? file.float(full)
                guard v.isFinite else { throw ModelError.invalidHyperparameter(key: full, value: "\(v)", reason: "must be a finite number") }
                return Float(v)
            } catch let e as ModelError { throw e } catch let e as GGUFError { throw .format(e) } catch { throw .format(.missingKey(full)) }
        }
    }

    /// Every architecture Roofline runs, keyed by `general.architecture`.
    public static let registry: [String: ModelArchitecture] = Dictionary(uniqueKeysWithValues: [
        Llama.architecture,
        Qwen2.architecture,
        Qwen3.architecture,
        Qwen3MoE.architecture,
        Phi3.architecture,
        Gemma2.architecture,
        Gemma3.architecture,
        GptOss.architecture,
        Granite.architecture,
    ].map { ($0.name, $0) })

    /// The architecture a Hugging Face `config.json` names in `architectures` (e.g. `MixtralForCausalLM`), if any.
    public static func forHuggingFace(_ hfClass: String) -> ModelArchitecture? {
        registry.values.first { $0.huggingFace.classes.contains(hfClass) }
    }

    /// The architecture called `name`, or an error listing the supported ones.
    public static func named(_ name: String) throws(ModelError) -> ModelArchitecture {
        guard let a = registry[name] else { throw .unsupportedArchitecture(name) }
        return a
    }
}
