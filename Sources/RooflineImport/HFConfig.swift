import Foundation
import RooflineGGUF
import RooflineModel

/// A `config.json` of the families Roofline imports (Llama, Mistral, Mixtral, Qwen2 with Q/K/V biases, Qwen3
/// with per-head Q/K norms, Qwen3-MoE, Phi-3, Gemma 2 and 3, gpt-oss), as GGUF `ARCH.*` metadata the way llama.cpp's
/// converter writes it; the family-specific keys are read in HFConfig+Families.swift.
struct HFConfig {
    /// The `architectures` entries Roofline imports: those the registered architectures declare
    /// (`ModelArchitecture.huggingFace.classes`).
    static var known: [String] { ModelArchitecture.registry.values.flatMap(\.huggingFace.classes).sorted() }
    let file: String
    /// The `architectures` entry (e.g. MixtralForCausalLM).
    let hfArch: String
    /// The family's declaration in the model layer's registry: the tensors and their checkpoint names.
    let architecture: ModelArchitecture
    /// The GGUF architecture, as `general.architecture` names it.
    var arch: String { architecture.name }
    let hidden: Int
    let intermediate: Int
    let layers: Int
    let heads: Int
    let kvHeads: Int
    let headDim: Int
    let vocab: Int
    let context: Int
    let rmsEps: Double
    let ropeTheta: Double
    let tiedEmbeddings: Bool
    /// `rope_scaling` as the converter writes it: `rope.scaling.type` and the other `rope.scaling.*` keys.
    let ropeScaling: [(key: String, value: GGUFValue)]
    /// What the family adds: expert counts, soft-caps, sliding windows, norm offsets (HFConfig+Families.swift).
    let family: HFFamily
    /// `quantization_config` (FP8 checkpoints), when present.
    let quantization: HFQuantization?

    /// Bounds on integers read from config.json, checked before anything is sized from them: GGUF stores these
    /// fields as 32-bit integers.
    static let maxInteger = Int(Int32.max)
    static let maxVocabulary = 1 << 22

    init(path: String) throws(ImportError) {
        file = path
        let c = try readJSONObject(path)
        func int(_ k: String) throws(ImportError) -> Int {
            guard let v = c[k] else { throw .missingKey(file: path, key: k) }
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), i > 0, i <= HFConfig.maxInteger else {
                throw .invalidJSON(file: path, reason: "'\(k)' must be a positive integer no larger than \(HFConfig.maxInteger) (got \(v))")
            }
            return i
        }
        func double(_ k: String, default d: Double) throws(ImportError) -> Double {
            guard let v = c[k] else { return d }
            guard let n = v as? NSNumber, n.doubleValue.isFinite, n.doubleValue > 0 else {
                throw .invalidJSON(file: path, reason: "'\(k)' must be a positive number (got \(v))")
            }
            return n.doubleValue
        }
        let archs = c["architectures"] as? [String] ?? []
        guard let hfArch = archs.first else { throw .missingKey(file: path, key: "architectures") }
        guard let architecture = ModelArchitecture.forHuggingFace(hfArch) else {
            throw .unsupported(file: path, what: "the architecture '\(hfArch)' (importable today: \(Self.known.joined(separator: ", ")))")
        }
        let arch = architecture.name
        self.hfArch = hfArch
        self.architecture = architecture
        hidden = try int("hidden_size")
        intermediate = try int("intermediate_size")
        layers = try int("num_hidden_layers")
        heads = try int("num_attention_heads")
        kvHeads = c["num_key_value_heads"] == nil || c["num_key_value_heads"] is NSNull ? heads : try int("num_key_value_heads")
        headDim = c["head_dim"] == nil || c["head_dim"] is NSNull ? hidden / heads : try int("head_dim")
        vocab = try int("vocab_size")
        // Checked before the tokenizer pads its token list up to it: released vocabularies hold at most ~260k tokens.
        guard vocab <= HFConfig.maxVocabulary else {
            throw .invalidJSON(file: path, reason: "'vocab_size' is \(vocab), more than the \(HFConfig.maxVocabulary) tokens Roofline accepts")
        }
        context = try int("max_position_embeddings")
        rmsEps = try double("rms_norm_eps", default: 1e-6)
        ropeTheta = try double("rope_theta", default: arch == "gemma3" ? 1_000_000 : 10000)  // the converter's defaults
        tiedEmbeddings = (c["tie_word_embeddings"] as? Bool) ?? false
        guard heads % kvHeads == 0 else {
            throw .inconsistent("\(path): num_attention_heads (\(heads)) is not a multiple of num_key_value_heads (\(kvHeads))")
        }
        guard headDim % 2 == 0 else { throw .inconsistent("\(path): the head dimension \(headDim) must be even for RoPE") }
        // Mistral's sliding_window is dropped by llama.cpp's converter (its LlamaModel class writes no window) and Qwen2's
        // use_sliding_window is off in released models; the families with windows read them in HFFamily.
        if arch == "qwen2" || arch == "qwen3", (c["use_sliding_window"] as? Bool) == true, let sw = c["sliding_window"] as? NSNumber, sw.intValue < context {
            throw .unsupported(file: path, what: "sliding-window attention (use_sliding_window with sliding_window = \(sw.intValue))")
        }
        var scaling: [(key: String, value: GGUFValue)] = []
        if let rs = c["rope_scaling"] as? [String: Any] {
            // conversion/base.py: linear → type and factor; yarn → also the original context and the optional
            // extrapolation/attention factors and β bounds (llama.cpp reads those only for other families).
            let type = (rs["rope_type"] ?? rs["type"]) as? String ?? "?"
            guard type == "linear" || type == "yarn", let f = (rs["factor"] as? NSNumber)?.doubleValue, f > 0, f.isFinite else {
                throw .unsupported(file: path, what: "rope_scaling of type '\(type)' (importable: linear, yarn, with a positive factor)")
            }
            scaling = [("rope.scaling.type", .string(type)), ("rope.scaling.factor", .float32(Float(f)))]
            if type == "yarn" {
                guard let n = rs["original_max_position_embeddings"] as? NSNumber, let orig = Int(exactly: n.doubleValue), orig > 0 else {
                    throw .missingKey(file: path, key: "rope_scaling.original_max_position_embeddings")
                }
                scaling.append(("rope.scaling.original_context_length", .uint32(UInt32(orig))))
                for (hf, gguf) in [("extrapolation_factor", "yarn_ext_factor"), ("attention_factor", "yarn_attn_factor"),
                                   ("beta_fast", "yarn_beta_fast"), ("beta_slow", "yarn_beta_slow")] {
                    guard let v = rs[hf], !(v is NSNull) else { continue }
                    guard let x = (v as? NSNumber)?.doubleValue, x.isFinite else {
                        throw .invalidJSON(file: path, reason: "'rope_scaling.\(hf)' must be a number (got \(v))")
                    }
                    scaling.append(("rope.scaling.\(gguf)", .float32(Float(x))))
                }
            }
        }
        ropeScaling = scaling
        family = try HFFamily(arch: arch, hfArch: hfArch, config: c, file: path, layers: layers, heads: heads,
                              hidden: hidden, headDim: headDim, context: context, intermediate: intermediate)
        quantization = try HFQuantization(c["quantization_config"], file: path)
    }

    /// The `general.*` and `llama.*` keys.
    func metadata(name: String) -> [(key: String, value: GGUFValue)] {
        let a = arch
        var m: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string(a)),
            ("general.name", .string(name)),
            ("\(a).context_length", .uint32(UInt32(context))),
            ("\(a).embedding_length", .uint32(UInt32(hidden))),
            ("\(a).block_count", .uint32(UInt32(layers))),
            ("\(a).feed_forward_length", .uint32(UInt32(intermediate))),
            ("\(a).attention.head_count", .uint32(UInt32(heads))),
            ("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads))),
            ("\(a).attention.layer_norm_rms_epsilon", .float32(Float(rmsEps))),
            ("\(a).rope.freq_base", .float32(Float(ropeTheta))),
            ("\(a).rope.dimension_count", .uint32(UInt32(family.ropeDims ?? headDim))),
            ("\(a).vocab_size", .uint32(UInt32(vocab))),
        ]
        if headDim != hidden / heads {
            m.append(("\(a).attention.key_length", .uint32(UInt32(headDim))))
            m.append(("\(a).attention.value_length", .uint32(UInt32(headDim))))
        }
        m += ropeScaling.map { (key: "\(a).\($0.key)", value: $0.value) }
        return m + family.metadata.map { (key: "\(a).\($0.key)", value: $0.value) }
    }
}
