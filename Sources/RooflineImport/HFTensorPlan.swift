import Foundation
import RooflineGGUF
import RooflineModel

/// Which checkpoint tensors make which GGUF tensor, as llama.cpp's converter maps them (gguf-py's
/// tensor_mapping.py and the families' `modify_tensors`), read from each architecture's layer declarations
/// (`ModelArchitecture.tensors`, RooflineModel/Architectures): names, alternatives (Phi-3's fused qkv_proj /
/// gate_up_proj, or separate projections concatenated, gate first), experts stacked into
/// `ffn_{gate,up,down}_exps`; Q/K rows permuted for families with normal RoPE, and +1 on norm weights where the
/// family's converter adds it (Gemma).
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
        let h = c.hidden, a = c.architecture
        /// A declared dimension's size in this checkpoint (`LayerTensor.Dim`).
        func size(_ d: LayerTensor.Dim) -> Int {
            switch d {
            case .embedding: h
            case .q: c.heads * c.headDim
            case .kv: c.kvHeads * c.headDim
            case .qkv: (c.heads + 2 * c.kvHeads) * c.headDim
            case .ff: c.intermediate
            case .twoFF: 2 * c.intermediate
            case .head: c.headDim
            case .heads: c.heads
            case .experts: c.family.experts
            case .expertFF: c.family.expertFFN
            }
        }
        let shift = a.huggingFace.normsOffsetByOne
        try add("model.embed_tokens.weight", "token_embd.weight", shape: [c.vocab, h])
        for i in 0..<c.layers {
            let p = "model.layers.\(i).", b = "blk.\(i)."
            /// The first of a declaration's alternatives whose tensors the checkpoint has, names in full ({e} expanded).
            func sources(_ d: LayerTensor) -> [String]? {
                for alternative in d.huggingFace {
                    let names = alternative.flatMap { n in
                        n.contains("{e}") ? (0..<c.family.experts).map { p + n.replacingOccurrences(of: "{e}", with: "\($0)") } : [p + n]
                    }
                    if !names.isEmpty, ckpt.tensor(names[0]) != nil { return names }
                }
                return nil
            }
            for d in a.tensors where !d.huggingFace.isEmpty {
                let dims = d.dims.map(size), gguf = b + d.name
                guard let names = sources(d) else {
                    let must = d.isRequired(experts: c.family.experts > 0) { r in a.tensor(r).map { sources($0) != nil } ?? false }
                    if must { throw .inconsistent("\(ckpt.folder): the tensor '\(p + (d.huggingFace.first?.first ?? d.name))' is missing") }
                    continue
                }
                let norm = shift && d.name.hasSuffix("norm.weight")
                if d.huggingFace.contains(where: { $0.contains { $0.contains("{e}") } }) {
                    // Experts stacked: each source is one expert's matrix.
                    try add(names, gguf, shape: dims.dropLast().reversed(), dims: dims)
                } else if names.count > 1 {
                    // Concatenated along the outermost dimension (Phi-3's gate then up).
                    var part = dims
                    part[part.count - 1] /= names.count
                    try add(names, gguf, shape: part.reversed(), dims: dims)
                } else {
                    // Llama's normal RoPE: Q and K rows from the checkpoint's half-split order (llama.cpp's permute).
                    let permute = a.ropeStyle == .normal ? (d.role == .wq ? c.heads : d.role == .wk ? c.kvHeads : 0) : 0
                    try add(names[0], gguf, shape: dims.reversed(), permute: permute, shift: norm)
                }
            }
            if a.tensors.contains(where: { $0.huggingFace.isEmpty && $0.role == .gateExperts }) {
                // gpt-oss's experts, whose checkpoint layout its own code reshapes.
                let experts = try planOpenAIExperts(c, ckpt, p, b)
                out += experts.planned
                used.formUnion(experts.used)
            }
        }
        try add("model.norm.weight", "output_norm.weight", shape: [h], shift: shift)
        // Gemma's converter drops lm_head (tied); a tied checkpoint may still store it: llama.cpp drops it too.
        if !c.tiedEmbeddings && a.huggingFace.importsOutput { try add("lm_head.weight", "output.weight", shape: [c.vocab, h], required: false) }
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
