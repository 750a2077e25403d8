import Foundation
import RooflineGGUF

/// The `config.json` keys one family adds to the Llama layout, checked and turned into the `ARCH.*` metadata
/// llama.cpp's converter writes (conversion/llama.py, phi.py, gemma.py, qwen.py of llama-cpp-python 0.3.36's
/// vendored llama.cpp). A value llama.cpp would run differently from the checkpoint's own code is an error
/// naming the key, never a silently different model.
struct HFFamily {
    /// Experts per layer, used per token, and each expert's FFN width (0: a dense FFN).
    var experts = 0, expertsUsed = 0, expertFFN = 0
    /// RoPE dimensions when not the whole head (Phi-3's partial_rotary_factor).
    var ropeDims: Int?
    /// Keys without the `ARCH.` prefix.
    var metadata: [(key: String, value: GGUFValue)] = []

    init(arch: String, hfArch: String, config c: [String: Any], file: String, layers: Int, heads: Int,
         hidden: Int, headDim: Int, context: Int, intermediate: Int) throws(ImportError) {
        func present(_ k: String) -> Bool { c[k] != nil && !(c[k] is NSNull) }
        func number(_ k: String) throws(ImportError) -> Double {
            guard present(k) else { throw .missingKey(file: file, key: k) }
            guard let n = c[k] as? NSNumber, n.doubleValue.isFinite, n.doubleValue >= 0 else {
                throw .invalidJSON(file: file, reason: "'\(k)' must be a non-negative number (got \(c[k]!))")
            }
            return n.doubleValue
        }
        func int(_ k: String) throws(ImportError) -> Int {
            let v = try number(k)
            guard let i = Int(exactly: v), i > 0, i <= HFConfig.maxInteger else {
                throw .invalidJSON(file: file, reason: "'\(k)' must be a positive integer no larger than \(HFConfig.maxInteger) (got \(c[k]!))")
            }
            return i
        }
        func activation(_ allowed: [String]) throws(ImportError) {
            for k in ["hidden_act", "hidden_activation"] where present(k) {
                guard let a = c[k] as? String, allowed.contains(a) else {
                    throw .unsupported(file: file, what: "'\(k)' = \(c[k]!) (\(hfArch) runs \(allowed.joined(separator: " or ")))")
                }
            }
        }
        switch arch {
        case "gemma2", "gemma3":
            try activation(["gelu_pytorch_tanh", "gelu"])  // llama.cpp runs ggml's tanh GELU
            // llama.cpp scales queries by 1/√head_dim, or 1/√(hidden/heads) for the 27B models it tells by layer count
            // (46 and 62 layers); query_pre_attn_scalar must say the same.
            if present("query_pre_attn_scalar") {
                let want = layers == (arch == "gemma2" ? 46 : 62) ? hidden / heads : headDim
                let q = try number("query_pre_attn_scalar")
                guard q == Double(want) else {
                    throw .unsupported(file: file, what: "'query_pre_attn_scalar' = \(q) (llama.cpp scales queries by 1/√\(want) for this shape)")
                }
            }
            if arch == "gemma2" {
                metadata.append(("attn_logit_softcapping", .float32(Float(try number("attn_logit_softcapping")))))
                metadata.append(("final_logit_softcapping", .float32(Float(try number("final_logit_softcapping")))))
                metadata.append(("attention.sliding_window", .uint32(UInt32(try int("sliding_window")))))
            } else {
                if present("attn_logit_softcapping") {
                    throw .unsupported(file: file, what: "'attn_logit_softcapping' on Gemma 3 (llama.cpp's converter asserts it is absent)")
                }
                if present("final_logit_softcapping") {
                    metadata.append(("final_logit_softcapping", .float32(Float(try number("final_logit_softcapping")))))
                }
                let pattern = present("sliding_window_pattern") ? try int("sliding_window_pattern") : 6
                if let types = c["layer_types"] as? [String] {
                    guard types.count == layers, types.allSatisfy({ $0 == "sliding_attention" || $0 == "full_attention" }) else {
                        throw .invalidJSON(file: file, reason: "'layer_types' must list sliding_attention or full_attention for each of the \(layers) layers")
                    }
                    metadata.append(("attention.sliding_window_pattern", .array(.bool, types.map { .bool($0 == "sliding_attention") })))
                } else {
                    metadata.append(("attention.sliding_window_pattern", .uint32(UInt32(pattern))))
                }
                if pattern != 1 { metadata.append(("attention.sliding_window", .uint32(UInt32(try int("sliding_window"))))) }
                if present("rope_local_base_freq") {
                    metadata.append(("rope.freq_base_swa", .float32(Float(try number("rope_local_base_freq")))))
                }
            }
        case "phi3":
            try activation(["silu"])
            let rot = present("partial_rotary_factor") ? try number("partial_rotary_factor") : 1
            guard rot > 0, rot <= 1 else { throw .invalidJSON(file: file, reason: "'partial_rotary_factor' must be in (0, 1] (got \(rot))") }
            ropeDims = Int(rot * Double(hidden)) / heads
            let original = present("original_max_position_embeddings") ? try int("original_max_position_embeddings") : context
            metadata.append(("rope.scaling.original_context_length", .uint32(UInt32(original))))
            // Written as the converter writes it; llama.cpp (and Roofline) ignore it for phi3.
            metadata.append(("attention.sliding_window", .uint32(UInt32(present("sliding_window") ? try int("sliding_window") : 0))))
        case "qwen3moe":
            try activation(["silu"])
            experts = try int("num_experts")
            expertsUsed = try int("num_experts_per_tok")
            expertFFN = try int("moe_intermediate_size")
            // llama.cpp always renormalises the top-k weights for qwen3moe and has no dense layers in it.
            if let n = c["norm_topk_prob"] as? Bool, !n {
                throw .unsupported(file: file, what: "'norm_topk_prob' = false (llama.cpp renormalises the selected experts' weights)")
            }
            if present("decoder_sparse_step"), try int("decoder_sparse_step") != 1 {
                throw .unsupported(file: file, what: "'decoder_sparse_step' other than 1 (dense layers between expert layers)")
            }
            if let dense = c["mlp_only_layers"] as? [Any], !dense.isEmpty {
                throw .unsupported(file: file, what: "'mlp_only_layers' (dense layers between expert layers)")
            }
            metadata.append(("expert_feed_forward_length", .uint32(UInt32(expertFFN))))
        case "gpt-oss":
            // conversion/gpt_oss.py: experts as wide as intermediate_size, the window, and llama.cpp's fixed
            // pattern (even layers slide) and swiglu_oai (α 1.702, limit 7).
            try activation(["silu"])
            experts = try int("num_local_experts")
            expertsUsed = present("num_experts_per_tok") ? try int("num_experts_per_tok") : try int("experts_per_token")
            expertFFN = intermediate
            metadata.append(("attention.sliding_window", .uint32(UInt32(try int("sliding_window")))))
            metadata.append(("expert_feed_forward_length", .uint32(UInt32(expertFFN))))
            if let types = c["layer_types"] as? [String] {
                let want = (0..<layers).map { $0 % 2 == 0 ? "sliding_attention" : "full_attention" }
                guard types == want else {
                    throw .unsupported(file: file, what: "'layer_types' other than sliding and full attention alternating from layer 0 (llama.cpp's gpt-oss pattern)")
                }
            }
            if present("swiglu_limit"), try number("swiglu_limit") != 7 {
                throw .unsupported(file: file, what: "'swiglu_limit' = \(c["swiglu_limit"]!) (llama.cpp's gpt-oss clamps at 7)")
            }
        case "granite":
            // conversion of GraniteForCausalLM: each multiplier present becomes a granite.* scale; llama.cpp requires
            // logit_scale. Biases on the MLP are not read by Roofline yet.
            try activation(["silu"])
            if (c["mlp_bias"] as? Bool) == true { throw .unsupported(file: file, what: "'mlp_bias' = true (FFN biases are not supported yet)") }
            if (c["attention_bias"] as? Bool) == true { throw .unsupported(file: file, what: "'attention_bias' = true on Granite (not supported yet)") }
            for (hf, gguf) in [("attention_multiplier", "attention.scale"), ("embedding_multiplier", "embedding_scale"),
                               ("residual_multiplier", "residual_scale")] where present(hf) {
                metadata.append((gguf, .float32(Float(try number(hf)))))
            }
            let logits = try number("logits_scaling")
            guard logits > 0 else { throw .invalidJSON(file: file, reason: "'logits_scaling' must be positive (got \(logits))") }
            metadata.append(("logit_scale", .float32(Float(logits))))
        default:
            try activation(["silu"])
            if hfArch == "MixtralForCausalLM" {
                experts = try int("num_local_experts")
                expertsUsed = try int("num_experts_per_tok")
                expertFFN = intermediate
            }
        }
        if experts > 0 {
            guard expertsUsed <= experts else {
                throw .inconsistent("\(file): 'num_experts_per_tok' (\(expertsUsed)) exceeds the number of experts (\(experts))")
            }
            metadata += [("expert_count", .uint32(UInt32(experts))), ("expert_used_count", .uint32(UInt32(expertsUsed)))]
        }
    }
}
