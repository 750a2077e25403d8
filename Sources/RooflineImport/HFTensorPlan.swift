import Foundation
import RooflineGGUF

/// Which checkpoint tensors make which GGUF tensor, per family, as llama.cpp's converter maps them
/// (gguf-py's tensor_mapping.py and the families' `modify_tensors`): names, Llama's Q/K permutation, Phi-3's
/// fused qkv_proj / gate_up_proj (or separate gate_proj + up_proj concatenated, gate first), Gemma's +1 on
/// norm weights, and experts stacked into `ffn_{gate,up,down}_exps` with the router as `ffn_gate_inp`.
extension HFImporter {
    struct Planned {
        let gguf: String
        /// Checkpoint tensors concatenated along their outermost dimension (one for most tensors).
        let sources: [String]
        let dims: [Int]        // GGUF order (innermost first)
        let type: GGMLType
        let permuteHeads: Int  // 0: none
        /// Add 1 to every value (Gemma norms), rounded to the checkpoint's dtype as the converter's torch add is.
        let shift: Bool
        /// FP8 weights: each row's scale (HFQuantization); the tensor is stored as Roofline's FP8 rows.
        var fp8Scales: [Float]? = nil
        /// gpt-oss's stacked experts, reshaped (HFTensorPlan+OpenAI.swift).
        var reshape: OpenAIReshape? = nil
    }

    /// Every checkpoint tensor's GGUF name, shape check and type; unknown tensors are errors.
    static func plan(_ c: HFConfig, _ ckpt: SafetensorsCheckpoint) throws(ImportError) -> [Planned] {
        var out: [Planned] = []
        var used = Set<String>()
        let shift = c.family.normShift
        /// `sources` each of `shape`; `dims`: the GGUF dimensions when they are not `shape` reversed (stacks).
        func add(_ sources: [String], _ gguf: String, shape: [Int], dims: [Int]? = nil, permute: Int = 0,
                 required: Bool = true, shift: Bool = false) throws(ImportError) {
            var dtypes: [SafetensorsDType] = []
            for s in sources {
                guard let (t, f) = ckpt.tensor(s) else {
                    if required || !dtypes.isEmpty { throw .inconsistent("\(ckpt.folder): the tensor '\(s)' is missing") }
                    return
                }
                guard t.shape == shape else {
                    throw .inconsistent("\(f.path): '\(s)' has shape \(t.shape), config.json implies \(shape)")
                }
                if (t.dtype == .f8e4m3 || t.dtype == .f8e5m2) && shape.count == 2 && sources.count == 1 && !shift && dims == nil {
                    // FP8 as published (HFQuantization): stored as Roofline's FP8 rows, codes and scales unchanged.
                    let scales = try HFQuantization.rowScales(ckpt, weight: s, rows: shape[0])
                    try HFQuantization.checkCodes(t, f)
                    used.formUnion([s + "_scale", s.replacingOccurrences(of: ".weight", with: ".input_scale")])
                    out.append(Planned(gguf: gguf, sources: sources, dims: shape.reversed(), type: t.dtype == .f8e4m3 ? .fp8_e4m3 : .fp8_e5m2,
                                       permuteHeads: permute, shift: false, fp8Scales: scales))
                    used.formUnion(sources)
                    return
                }
                guard [.f32, .f16, .bf16].contains(t.dtype) else {
                    let fp8 = t.dtype == .f8e4m3 || t.dtype == .f8e5m2
                    throw .unsupported(file: f.path, what: "the dtype \(t.dtype.rawValue) of '\(s)' (importable: F32, F16, BF16; F8_E4M3 and F8_E5M2 for single weight matrices\(fp8 ? ", not fused, stacked or 1-D tensors" : ""))")
                }
                dtypes.append(t.dtype)
            }
            let type: GGMLType
            if shape.count == 1 || shift || Set(dtypes).count > 1 { type = .f32 } else {
                switch dtypes[0] { case .f16: type = .f16; case .bf16: type = .bf16; default: type = .f32 }
            }
            out.append(Planned(gguf: gguf, sources: sources, dims: dims ?? shape.reversed(), type: type, permuteHeads: permute, shift: shift))
            used.formUnion(sources)
        }
        func add(_ source: String, _ gguf: String, shape: [Int], permute: Int = 0, required: Bool = true, shift: Bool = false) throws(ImportError) {
            try add([source], gguf, shape: shape, permute: permute, required: required, shift: shift)
        }
        let h = c.hidden, qd = c.heads * c.headDim, kvd = c.kvHeads * c.headDim, ff = c.intermediate
        let gemma = c.arch == "gemma2" || c.arch == "gemma3"
        try add("model.embed_tokens.weight", "token_embd.weight", shape: [c.vocab, h])
        for i in 0..<c.layers {
            let p = "model.layers.\(i).", b = "blk.\(i)."
            try add(p + "input_layernorm.weight", b + "attn_norm.weight", shape: [h], shift: shift)
            if c.arch == "phi3" && ckpt.tensor(p + "self_attn.qkv_proj.weight") != nil {
                try add(p + "self_attn.qkv_proj.weight", b + "attn_qkv.weight", shape: [qd + 2 * kvd, h])
            } else {
                try add(p + "self_attn.q_proj.weight", b + "attn_q.weight", shape: [qd, h], permute: c.permutesQK ? c.heads : 0)
                try add(p + "self_attn.k_proj.weight", b + "attn_k.weight", shape: [kvd, h], permute: c.permutesQK ? c.kvHeads : 0)
                try add(p + "self_attn.v_proj.weight", b + "attn_v.weight", shape: [kvd, h])
            }
            if c.arch == "qwen2" || c.arch == "gpt-oss" {
                try add(p + "self_attn.q_proj.bias", b + "attn_q.bias", shape: [qd])
                try add(p + "self_attn.k_proj.bias", b + "attn_k.bias", shape: [kvd])
                try add(p + "self_attn.v_proj.bias", b + "attn_v.bias", shape: [kvd])
            }
            if ["qwen3", "qwen3moe", "gemma3"].contains(c.arch) {
                try add(p + "self_attn.q_norm.weight", b + "attn_q_norm.weight", shape: [c.headDim], shift: shift)
                try add(p + "self_attn.k_norm.weight", b + "attn_k_norm.weight", shape: [c.headDim], shift: shift)
            }
            try add(p + "self_attn.o_proj.weight", b + "attn_output.weight", shape: [h, qd])
            if c.arch == "gpt-oss" {
                let experts = try planOpenAILayer(c, ckpt, p, b, add: { (s, g, shape) throws(ImportError) in try add(s, g, shape: shape) })
                out += experts.planned
                used.formUnion(experts.used)
                continue
            }
            if gemma {
                try add(p + "post_attention_layernorm.weight", b + "post_attention_norm.weight", shape: [h], shift: true)
                try add(p + "pre_feedforward_layernorm.weight", b + "ffn_norm.weight", shape: [h], shift: true)
                try add(p + "post_feedforward_layernorm.weight", b + "post_ffw_norm.weight", shape: [h], shift: true)
            } else {
                try add(p + "post_attention_layernorm.weight", b + "ffn_norm.weight", shape: [h])
            }
            let e = c.family.experts, fx = c.family.expertFFN
            if e > 0 {
                let mixtral = c.hfArch == "MixtralForCausalLM"
                let m = mixtral ? p + "block_sparse_moe." : p + "mlp."
                try add(m + "gate.weight", b + "ffn_gate_inp.weight", shape: [e, h])
                let names = mixtral ? ["w1", "w3", "w2"] : ["gate_proj", "up_proj", "down_proj"]
                let experts = { (w: String) in (0..<e).map { "\(m)experts.\($0).\(w).weight" } }
                try add(experts(names[0]), b + "ffn_gate_exps.weight", shape: [fx, h], dims: [h, fx, e])
                try add(experts(names[1]), b + "ffn_up_exps.weight", shape: [fx, h], dims: [h, fx, e])
                try add(experts(names[2]), b + "ffn_down_exps.weight", shape: [h, fx], dims: [fx, h, e])
                continue
            }
            if c.arch == "phi3" {
                // llama.cpp's phi3 takes one ffn_up of 2·n_ff rows, gate first.
                if ckpt.tensor(p + "mlp.gate_up_proj.weight") != nil {
                    try add(p + "mlp.gate_up_proj.weight", b + "ffn_up.weight", shape: [2 * ff, h])
                } else {
                    try add([p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"], b + "ffn_up.weight", shape: [ff, h], dims: [h, 2 * ff])
                }
            } else {
                try add(p + "mlp.gate_proj.weight", b + "ffn_gate.weight", shape: [ff, h])
                try add(p + "mlp.up_proj.weight", b + "ffn_up.weight", shape: [ff, h])
            }
            try add(p + "mlp.down_proj.weight", b + "ffn_down.weight", shape: [h, ff])
        }
        try add("model.norm.weight", "output_norm.weight", shape: [h], shift: shift)
        // Gemma's converter drops lm_head (tied); a tied checkpoint may still store it: llama.cpp drops it too.
        if !c.tiedEmbeddings && !gemma { try add("lm_head.weight", "output.weight", shape: [c.vocab, h], required: false) }
        used.insert("lm_head.weight")
        for n in ckpt.names where !used.contains(n) && !n.hasSuffix("rotary_emb.inv_freq") {
            throw .unsupported(file: ckpt.folder, what: "the tensor '\(n)' (not part of the \(c.hfArch) layout)")
        }
        return out
    }

    /// The GGUF tensor's bytes: each source in the GGUF type (Q/K rows permuted when asked, Gemma's +1 applied),
    /// concatenated.
    static func bytes(_ p: Planned, _ ckpt: SafetensorsCheckpoint) throws(ImportError) -> [UInt8] {
        var out: [UInt8] = []
        if let r = p.reshape { return try openAIBytes(r, p, ckpt) }
        for s in p.sources {
            guard let (t, f) = ckpt.tensor(s) else { throw .inconsistent("tensor '\(s)' vanished") }
            if p.shift {
                guard let v = f.floats(t) else { throw .unsupported(file: f.path, what: "converting \(t.dtype.rawValue)") }
                let shifted = v.map { roundToDType($0 + 1, t.dtype) }
                out += shifted.withUnsafeBytes { Array($0) }
            } else {
                out += try bytes(t, f, as: p.type, permuteHeads: p.permuteHeads, fp8Scales: p.fp8Scales)
            }
        }
        return out
    }

    /// `x` rounded to the checkpoint dtype's precision (nearest, ties to even), as a torch op in that dtype rounds.
    static func roundToDType(_ x: Float, _ d: SafetensorsDType) -> Float {
        switch d {
        case .f16: return Float(Float16(x))
        case .bf16:
            let b = x.bitPattern
            return Float(bitPattern: (b &+ 0x7FFF &+ ((b >> 16) & 1)) & 0xFFFF_0000)
        default: return x
        }
    }
}
