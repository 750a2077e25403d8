import Foundation
import RooflineGGUF

/// Hyperparameters of a model of any registered architecture, read from GGUF metadata (`<arch>.*` keys, as llama.cpp's
/// `llama_model::load_hparams` reads them), with the architecture's traits from `ModelArchitecture.registry`.
public struct ModelConfig: Sendable, Equatable {
    public static var supportedArchitectures: Set<String> { Set(ModelArchitecture.registry.keys) }

    public var architecture: String
    /// The family's traits (RoPE style, Q/K norms).
    public var traits: ModelArchitecture
    public var blockCount: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDim: Int
    public var ropeDimensionCount: Int
    public var ropeFreqBase: Float
    /// RoPE scaling (`rope.scaling.type` linear or yarn): positions are multiplied by this (1 / factor).
    public var ropeFreqScale: Float = 1
    /// YaRN (`rope.scaling.type = yarn`), as llama.cpp's context sets it up: the extrapolation mix (1 for YaRN, 0
    /// otherwise), the attention factor (llama-context.cpp's yarn_attn_factor, × `rope.scaling.attn_factor`), the
    /// β bounds (32 and 1) and the original context (`rope.scaling.original_context_length`, else the context length).
    public var yarnExtFactor: Float = 0
    public var yarnAttnFactor: Float = 1
    public var yarnBetaFast: Float = 32
    public var yarnBetaSlow: Float = 1
    public var yarnOriginalContext = 0
    public var rmsEpsilon: Float
    public var contextLength: Int
    public var vocabSize: Int

    /// Sliding-window attention: the window (0: none) and which layers slide.
    public var slidingWindow = 0
    public var slidingLayers: [Bool] = []
    /// RoPE base and position scale of the sliding layers (see `ModelArchitecture.slidingRopeOwnDefaults`).
    public var ropeFreqBaseSliding: Float = 0
    public var ropeFreqScaleSliding: Float = 1
    /// Soft-capping of attention scores and of the final logits: cap · tanh(x / cap); 0 for none.
    public var attentionSoftcap: Float = 0
    public var finalSoftcap: Float = 0

    /// Mixture of experts (`expert_count` > 0): experts per layer, used per token, each expert's FFN width, and
    /// the factor on the router weights (`expert_weights_scale`, 0 or 1: none).
    public var expertCount = 0
    public var expertUsedCount = 0
    public var expertFeedForwardLength = 0
    public var expertWeightsScale: Float = 0

    /// Multipliers (Granite's, read in Architectures/Granite.swift; 0: none, and the attention's default 1/√head):
    /// embeddings × embedding, each block's output × residual before its add, attention scores × attention,
    /// logits ÷ logit.
    public var embeddingScale: Float = 0
    public var residualScale: Float = 0
    public var attentionScale: Float = 0
    public var logitScale: Float = 0

    public var qDim: Int { headCount * headDim }

    /// The factor attention scores are multiplied by: 1 when queries were scaled (`queryScale`), Granite's
    /// `attention.scale` when set, else 1/√headDim.
    public var scoreScale: Float {
        if queryScale != nil { return 1 }
        return attentionScale != 0 ? attentionScale : 1 / Float(headDim).squareRoot()
    }

    /// The factor queries are multiplied by after RoPE when the family's graph does so (phi3, gemma2), else nil
    /// (the attention scales its scores by 1/√headDim).
    public var queryScale: Float? {
        switch traits.queryScale {
        case .none: return nil
        case .inverseSqrtHead: return 1 / Float(headDim).squareRoot()
        case .gemma(let large): return 1 / Float(blockCount == large ? embeddingLength / headCount : headDim).squareRoot()
        }
    }

    public var kvDim: Int { headCountKV * headDim }

    public init(file: GGUFFile) throws(ModelError) {
        do {
            let arch = try file.string("general.architecture")
            traits = try ModelArchitecture.named(arch)
            architecture = arch
            func key(_ k: String) -> String { "\(arch).\(k)" }
            blockCount = try file.int(key("block_count"))
            embeddingLength = try file.int(key("embedding_length"))
            feedForwardLength = try file.int(key("feed_forward_length"))
            headCount = try file.int(key("attention.head_count"))
            headCountKV = try file.int(key("attention.head_count_kv"), default: headCount)
            if file.metadata[key("attention.key_length")] != nil {
                headDim = try file.int(key("attention.key_length"))
            } else {
                guard headCount > 0, embeddingLength % headCount == 0 else {
                    throw ModelError.invalidHyperparameter(key: key("attention.head_count"), value: "\(headCount)",
                        reason: "does not divide the embedding length \(embeddingLength) and '\(key("attention.key_length"))' is absent")
                }
                headDim = embeddingLength / headCount
            }
            let valueLength = try file.int(key("attention.value_length"), default: headDim)
            guard valueLength == headDim else {
                throw ModelError.invalidHyperparameter(key: key("attention.value_length"), value: "\(valueLength)",
                    reason: "must equal attention.key_length \(headDim) (different K and V head sizes are not supported)")
            }
            ropeDimensionCount = try file.int(key("rope.dimension_count"), default: headDim)
            ropeFreqBase = Float(try file.float(key("rope.freq_base"), default: 10000))
            // llama.cpp: the type defaults to linear, and a factor of 0 (or none) means 1.
            let scaling = try file.metadata[key("rope.scaling.type")] == nil ? "linear" : file.string(key("rope.scaling.type"))
            // cos/sin are scaled by this under any scaling type (ggml's rope_yarn with ext_factor 0 too).
            let attnFactor = Float(try file.float(key("rope.scaling.attn_factor"), default: 1))
            yarnAttnFactor = attnFactor
            switch scaling {
            case "none": break
            case "linear", "yarn":
                var factor = try file.float(key("rope.scaling.factor"), default: 0)
                if file.metadata[key("rope.scaling.factor")] == nil, scaling == "linear" {
                    factor = try file.float(key("rope.scale_linear"), default: 0)  // the old key name
                }
                guard factor >= 0, factor.isFinite else {
                    throw ModelError.invalidHyperparameter(key: key("rope.scaling.factor"), value: "\(factor)", reason: "must be positive")
                }
                ropeFreqScale = factor == 0 ? 1 : Float(1 / factor)
                if scaling == "yarn" {
                    // The `rope.scaling.yarn_*` keys are read by llama.cpp only for other families (grok, mistral3,
                    // deepseek2): these keep its defaults, ext_factor 1, β 32 and 1.
                    yarnExtFactor = 1
                    // llama-context.cpp: get_mscale(factor, 1), then cancelled by 1 / (1 + 0.1·ln factor) (the
                    // kernel applies that magnitude itself), then × rope.scaling.attn_factor.
                    let f = 1 / ropeFreqScale
                    var a: Float = f <= 1 ? 1 : 0.1 * 1 * logf(f) + 1
                    a *= 1 / (1 + 0.1 * logf(f))
                    yarnAttnFactor = a * attnFactor
                }
            default:
                throw ModelError.invalidHyperparameter(key: key("rope.scaling.type"), value: scaling, reason: "RoPE scaling '\(scaling)' is not supported yet (supported: none, linear, yarn)")
            }
            // llama.cpp requires both (`get_key` without a default).
            rmsEpsilon = Float(try file.float(key("attention.layer_norm_rms_epsilon")))
            contextLength = try file.int(key("context_length"))
            yarnOriginalContext = try file.int(key("rope.scaling.original_context_length"), default: contextLength)
            let embdRows = file.tensor("token_embd.weight").flatMap { $0.dims.count == 2 ? $0.dims[1] : nil }
            if file.metadata[key("vocab_size")] != nil {
                vocabSize = try file.int(key("vocab_size"))
                if let rows = embdRows, rows != vocabSize {
                    throw ModelError.invalidHyperparameter(key: key("vocab_size"), value: "\(vocabSize)",
                        reason: "disagrees with token_embd.weight, which has \(rows) rows")
                }
            } else if let rows = embdRows {
                vocabSize = rows
            } else {
                throw ModelError.format(.missingKey(key("vocab_size")))
            }
            try traits.hyperparameters?(&self, ModelArchitecture.MetadataKeys(file: file, prefix: arch))
            let own = traits.slidingRopeOwnDefaults
            ropeFreqBaseSliding = Float(try file.float(key("rope.freq_base_swa"), default: own ? 10000 : Double(ropeFreqBase)))
            ropeFreqScaleSliding = own ? 1 : ropeFreqScale
            try validate()  // the layer count is sane before arrays are sized by it
            slidingLayers = [Bool](repeating: false, count: blockCount)
            if traits.requiresSlidingWindowKey, file.metadata[key("attention.sliding_window")] == nil {
                throw ModelError.format(.missingKey(key("attention.sliding_window")))
            }
            if let sw = traits.slidingWindow, sw.window > 0 || file.metadata[key("attention.sliding_window")] != nil {
                slidingWindow = try file.int(key("attention.sliding_window"), default: sw.window)
                if let items = file.metadata[key("attention.sliding_window_pattern")]?.arrayValue {
                    // One flag per layer (Gemma 3n, gpt-oss style): bools or integers.
                    let flags = items.compactMap { $0.boolValue ?? $0.intValue.map { $0 != 0 } }
                    guard flags.count == items.count, flags.count == blockCount else {
                        throw ModelError.invalidHyperparameter(key: key("attention.sliding_window_pattern"), value: "\(items.count) entries",
                            reason: "needs one bool per layer (\(blockCount))")
                    }
                    slidingLayers = flags
                } else {
                    let period = try file.int(key("attention.sliding_window_pattern"), default: sw.period)
                    guard period >= 0 else {
                        throw ModelError.invalidHyperparameter(key: key("attention.sliding_window_pattern"), value: "\(period)", reason: "must not be negative")
                    }
                    slidingLayers = (0..<blockCount).map { period == 0 || $0 % period < period - 1 }
                }
                if slidingWindow == 0 && sw.window == 0 && !traits.requiresSlidingWindowKey { slidingLayers = [Bool](repeating: false, count: blockCount) }
            }
            expertCount = try file.int(key("expert_count"), default: 0)
            if expertCount > 0 {
                guard traits.mixtureOfExperts else {
                    throw ModelError.invalidHyperparameter(key: key("expert_count"), value: "\(expertCount)",
                        reason: "mixture-of-experts \(arch) models are not supported yet")
                }
                expertUsedCount = try file.int(key("expert_used_count"))
                // llama.cpp: Mixtral-style llama experts are feed_forward_length wide; qwen3moe's are
                // expert_feed_forward_length, else n_ff / n_expert_used.
                expertFeedForwardLength = !traits.requiresExperts ? feedForwardLength
                    : try file.int(key("expert_feed_forward_length"), default: expertUsedCount > 0 ? feedForwardLength / expertUsedCount : 0)
                expertWeightsScale = Float(try file.float(key("expert_weights_scale"), default: 0))
            } else if traits.requiresExperts {
                throw ModelError.format(.missingKey(key("expert_count")))
            }
            attentionSoftcap = Float(try file.float(key("attn_logit_softcapping"), default: Double(traits.attentionSoftcap)))
            finalSoftcap = Float(try file.float(key("final_logit_softcapping"), default: Double(traits.finalSoftcap)))
            try validate()
        } catch let e as ModelError {
            throw e
        } catch let e as GGUFError {
            throw .format(e)
        } catch {
            throw .format(.missingKey("\(error)"))
        }
    }

    func validate() throws(ModelError) {
        func check(_ ok: Bool, _ k: String, _ v: Int, _ why: String) throws(ModelError) {
            if !ok { throw .invalidHyperparameter(key: "\(architecture).\(k)", value: "\(v)", reason: why) }
        }
        try check(blockCount > 0 && blockCount <= 1024, "block_count", blockCount, "must be between 1 and 1024")
        try check(embeddingLength > 0 && embeddingLength <= 1 << 16, "embedding_length", embeddingLength, "must be between 1 and 65536")
        try check(feedForwardLength > 0 && feedForwardLength <= 1 << 18, "feed_forward_length", feedForwardLength, "must be between 1 and 262144")
        try check(headCount > 0 && headCount <= embeddingLength, "attention.head_count", headCount, "must be between 1 and the embedding length")
        try check(headCountKV > 0 && headCount % headCountKV == 0, "attention.head_count_kv", headCountKV, "must divide the head count \(headCount)")
        try check(headDim > 0 && headDim <= 512 && headDim % 2 == 0, "attention.key_length", headDim, "head dimension must be even and at most 512")
        try check(ropeDimensionCount > 0 && ropeDimensionCount <= headDim && ropeDimensionCount % 2 == 0, "rope.dimension_count", ropeDimensionCount, "must be even and at most the head dimension \(headDim)")
        if traits.ropeCoversHead {
            try check(ropeDimensionCount == headDim, "rope.dimension_count", ropeDimensionCount, "must equal the head dimension \(headDim) for \(architecture)")
        }
        if expertCount > 0 {
            try check(expertCount <= 512, "expert_count", expertCount, "must be at most 512")
            try check(expertUsedCount > 0 && expertUsedCount <= expertCount, "expert_used_count", expertUsedCount, "must be between 1 and expert_count \(expertCount)")
            try check(expertFeedForwardLength > 0 && expertFeedForwardLength <= 1 << 18, "expert_feed_forward_length", expertFeedForwardLength, "must be between 1 and 262144")
        }
        try check(slidingWindow >= 0, "attention.sliding_window", slidingWindow, "must not be negative")
        if traits.requiresSlidingWindowKey, slidingLayers.contains(true) {
            try check(slidingWindow > 0, "attention.sliding_window", slidingWindow, "must be positive")
        }
        if let sw = traits.slidingWindow, sw.window > 0, slidingLayers.contains(true) {
            try check(slidingWindow > 0, "attention.sliding_window", slidingWindow, "must be positive when layers slide")
        }
        for (k, v) in [("attn_logit_softcapping", attentionSoftcap), ("final_logit_softcapping", finalSoftcap)] where !(v >= 0 && v.isFinite) {
            throw .invalidHyperparameter(key: "\(architecture).\(k)", value: "\(v)", reason: "must be a non-negative number")
        }
        if !(ropeFreqBaseSliding > 0 && ropeFreqBaseSliding.isFinite) {
            throw .invalidHyperparameter(key: "\(architecture).rope.freq_base_swa", value: "\(ropeFreqBaseSliding)", reason: "must be a positive number")
        }
        try check(contextLength > 0, "context_length", contextLength, "must be positive")
        try check(yarnOriginalContext > 0, "rope.scaling.original_context_length", yarnOriginalContext, "must be positive")
        for (k, v) in [("rope.scaling.attn_factor", yarnAttnFactor), ("rope.scaling.yarn_beta_fast", yarnBetaFast),
                       ("rope.scaling.yarn_beta_slow", yarnBetaSlow), ("rope.scaling.yarn_ext_factor", yarnExtFactor)] where !v.isFinite {
            throw .invalidHyperparameter(key: "\(architecture).\(k)", value: "\(v)", reason: "must be a finite number")
        }
        try check(vocabSize > 0, "vocab_size", vocabSize, "must be positive")
        if !(ropeFreqBase > 0 && ropeFreqBase.isFinite) {
            throw .invalidHyperparameter(key: "\(architecture).rope.freq_base", value: "\(ropeFreqBase)", reason: "must be a positive number")
        }
        if !(rmsEpsilon > 0 && rmsEpsilon < 1) {
            throw .invalidHyperparameter(key: "\(architecture).attention.layer_norm_rms_epsilon", value: "\(rmsEpsilon)", reason: "must be in (0, 1)")
        }
    }
}
