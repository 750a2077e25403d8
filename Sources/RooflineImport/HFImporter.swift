import Foundation
import RooflineGGUF

/// Hugging Face checkpoint folders (config.json + *.safetensors + tokenizer.json) to GGUF, the way llama.cpp's
/// converter lays a Llama, Qwen2 or Qwen3 model out: its tensor names, dimensions innermost first, (Llama) Q and
/// K rows permuted from the checkpoint's half-split RoPE order to ggml's interleaved order, norms and biases in
/// F32, weights in their own F32/F16/BF16 (FP8 weights as Roofline's FP8 rows, see HFQuantization). The file is written tensor by tensor to a temporary name and renamed when complete.
public enum HFImporter {
    /// Whether `path` is a folder holding a `config.json`.
    public static func isCheckpoint(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("config.json"))
    }

    /// The folder converted once into `cache/imported/`, reused while the folder's files are unchanged.
    public static func cachedImport(folder: String, cache: URL, log: (String) -> Void = { _ in }) throws(ImportError) -> String {
        let dir = cache.appendingPathComponent("imported")
        let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
        let out = dir.appendingPathComponent("\(name)-\(fingerprint(folder)).gguf").path
        if FileManager.default.fileExists(atPath: out) { return out }
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw .write(.writeFailed(path: dir.path, reason: error.localizedDescription))
        }
        log("Importing \(folder) into \(out) …")
        try convert(folder: folder, to: out)
        return out
    }

    /// FNV-1a over the folder's path and each file's name, size and modification time.
    static func fingerprint(_ folder: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ s: String) { for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        mix(url.path)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        for f in files {
            let attrs = try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(f).path)
            mix(f)
            mix("\(attrs?[.size] ?? 0)")
            mix("\((attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)")
        }
        return String(h, radix: 16)
    }

    /// The `tokenizer.*` GGUF metadata for a folder's `tokenizer.json` and `tokenizer_config.json`.
    public static func tokenizerMetadata(folder: String, vocabSize: Int) throws(ImportError) -> [(key: String, value: GGUFValue)] {
        try HFTokenizer(folder: folder, vocabSize: vocabSize).metadata()
    }

    struct Planned {
        let gguf: String
        let source: String
        let dims: [Int]        // GGUF order (innermost first)
        let type: GGMLType
        let permuteHeads: Int  // 0: none
        var fp8Scales: [Float]? = nil  // FP8 weights: each row's scale (HFQuantization)
    }

    /// Converts `folder` into a GGUF file at `output`.
    public static func convert(folder: String, to output: String) throws(ImportError) {
        let cfg = try HFConfig(path: (folder as NSString).appendingPathComponent("config.json"))
        let tok = try HFTokenizer(folder: folder, vocabSize: cfg.vocab)
        let ckpt: SafetensorsCheckpoint
        do { ckpt = try SafetensorsCheckpoint(folder: folder) } catch { throw .weights(error) }
        let plan = try plan(cfg, ckpt)
        let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
        var meta = cfg.metadata(name: name) + tok.metadata()
        let allF32 = plan.allSatisfy { $0.type == .f32 }
        if let note = GGMLType.rooflineTypesNote(plan.map(\.type)) {
            meta.append((GGMLType.rooflineTypesKey, note))  // FP8: no llama.cpp file type fits
        } else {
            meta.append(("general.file_type", .uint32(allF32 ? 0 : plan.contains { $0.type == .bf16 } ? 32 : 1)))
        }
        let writer: GGUFStreamWriter
        do {
            writer = try GGUFStreamWriter(path: output, metadata: meta, tensors: plan.map { .init(name: $0.gguf, dims: $0.dims, type: $0.type) })
        } catch { throw .write(error) }
        do {
            for p in plan {
                guard let (t, f) = ckpt.tensor(p.source) else { throw ImportError.inconsistent("tensor '\(p.source)' vanished") }
                try writer.append(bytes(t, f, as: p.type, permuteHeads: p.permuteHeads, fp8Scales: p.fp8Scales))
            }
            try writer.finish()
        } catch let e as ImportError {
            writer.abandon()
            throw e
        } catch let e as GGUFError {
            writer.abandon()
            throw .write(e)
        } catch {
            writer.abandon()
            throw .inconsistent("\(error)")
        }
    }

    /// Every checkpoint tensor's GGUF name, shape check and type; unknown tensors are errors.
    static func plan(_ c: HFConfig, _ ckpt: SafetensorsCheckpoint) throws(ImportError) -> [Planned] {
        var out: [Planned] = []
        var used = Set<String>()
        func add(_ source: String, _ gguf: String, shape: [Int], permute: Int = 0, required: Bool = true) throws(ImportError) {
            guard let (t, f) = ckpt.tensor(source) else {
                if required { throw .inconsistent("\(ckpt.folder): the tensor '\(source)' is missing") }
                return
            }
            guard t.shape == shape else {
                throw .inconsistent("\(f.path): '\(source)' has shape \(t.shape), config.json implies \(shape)")
            }
            let type: GGMLType
            var scales: [Float]?
            switch t.dtype {
            case .f32: type = .f32
            case .f16: type = shape.count == 1 ? .f32 : .f16
            case .bf16: type = shape.count == 1 ? .f32 : .bf16
            case .f8e4m3 where shape.count == 2, .f8e5m2 where shape.count == 2:
                // FP8 as published (HFQuantization): stored as Roofline's FP8 rows, codes and scales unchanged.
                type = t.dtype == .f8e4m3 ? .fp8_e4m3 : .fp8_e5m2
                scales = try HFQuantization.rowScales(ckpt, weight: source, rows: shape[0])
                try HFQuantization.checkCodes(t, f)
                used.formUnion([source + "_scale", source.replacingOccurrences(of: ".weight", with: ".input_scale")])
            default: throw .unsupported(file: f.path, what: "the dtype \(t.dtype.rawValue) of '\(source)' (importable: F32, F16, BF16; F8_E4M3 and F8_E5M2 for matrices)")
            }
            out.append(Planned(gguf: gguf, source: source, dims: shape.reversed(), type: type, permuteHeads: permute, fp8Scales: scales))
            used.insert(source)
        }
        let h = c.hidden, qd = c.heads * c.headDim, kvd = c.kvHeads * c.headDim
        try add("model.embed_tokens.weight", "token_embd.weight", shape: [c.vocab, h])
        for i in 0..<c.layers {
            let p = "model.layers.\(i)."
            try add(p + "input_layernorm.weight", "blk.\(i).attn_norm.weight", shape: [h])
            try add(p + "self_attn.q_proj.weight", "blk.\(i).attn_q.weight", shape: [qd, h], permute: c.permutesQK ? c.heads : 0)
            try add(p + "self_attn.k_proj.weight", "blk.\(i).attn_k.weight", shape: [kvd, h], permute: c.permutesQK ? c.kvHeads : 0)
            try add(p + "self_attn.v_proj.weight", "blk.\(i).attn_v.weight", shape: [kvd, h])
            if c.arch == "qwen2" {
                try add(p + "self_attn.q_proj.bias", "blk.\(i).attn_q.bias", shape: [qd])
                try add(p + "self_attn.k_proj.bias", "blk.\(i).attn_k.bias", shape: [kvd])
                try add(p + "self_attn.v_proj.bias", "blk.\(i).attn_v.bias", shape: [kvd])
            }
            if c.arch == "qwen3" {
                try add(p + "self_attn.q_norm.weight", "blk.\(i).attn_q_norm.weight", shape: [c.headDim])
                try add(p + "self_attn.k_norm.weight", "blk.\(i).attn_k_norm.weight", shape: [c.headDim])
            }
            try add(p + "self_attn.o_proj.weight", "blk.\(i).attn_output.weight", shape: [h, qd])
            try add(p + "post_attention_layernorm.weight", "blk.\(i).ffn_norm.weight", shape: [h])
            try add(p + "mlp.gate_proj.weight", "blk.\(i).ffn_gate.weight", shape: [c.intermediate, h])
            try add(p + "mlp.up_proj.weight", "blk.\(i).ffn_up.weight", shape: [c.intermediate, h])
            try add(p + "mlp.down_proj.weight", "blk.\(i).ffn_down.weight", shape: [h, c.intermediate])
        }
        try add("model.norm.weight", "output_norm.weight", shape: [h])
        if !c.tiedEmbeddings { try add("lm_head.weight", "output.weight", shape: [c.vocab, h], required: false) }
        used.insert("lm_head.weight")  // a tied checkpoint may still store it: llama.cpp drops it too
        for n in ckpt.names where !used.contains(n) && !n.hasSuffix("rotary_emb.inv_freq") {
            throw .unsupported(file: ckpt.folder, what: "the tensor '\(n)' (not part of the \(c.arch) layout)")
        }
        return out
    }

    /// The tensor's bytes in the GGUF type, with Q/K rows permuted when asked:
    /// new row h·d + 2i + j = old row h·d + j·d/2 + i (llama.cpp's `permute` in its converter).
    static func bytes(_ t: SafetensorsTensor, _ f: SafetensorsFile, as type: GGMLType, permuteHeads: Int, fp8Scales: [Float]? = nil) throws(ImportError) -> [UInt8] {
        let src = f.data(t)
        var raw: [UInt8]
        if let fp8Scales {
            raw = try HFQuantization.rows(t, f, scales: fp8Scales)  // whole rows (scale + codes) move together below
        } else if type == .f32 && t.dtype != .f32 {
            guard let v = f.floats(t) else { throw .unsupported(file: f.path, what: "converting \(t.dtype.rawValue)") }
            raw = v.withUnsafeBytes { Array($0) }
        } else {
            raw = Array(UnsafeRawBufferPointer(start: src, count: t.byteCount))
        }
        guard permuteHeads > 0, t.shape.count == 2 else { return raw }
        let rows = t.shape[0], rowBytes = raw.count / rows, d = rows / permuteHeads
        guard rows % permuteHeads == 0, d % 2 == 0 else {
            throw .inconsistent("\(f.path): '\(t.name)' has \(rows) rows, not \(permuteHeads) heads of an even size")
        }
        var out = [UInt8](repeating: 0, count: raw.count)
        raw.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { o in
                for hh in 0..<permuteHeads {
                    for i in 0..<(d / 2) {
                        for j in 0..<2 {
                            let newRow = hh * d + 2 * i + j, oldRow = hh * d + j * (d / 2) + i
                            (o.baseAddress! + newRow * rowBytes).copyMemory(from: s.baseAddress! + oldRow * rowBytes, byteCount: rowBytes)
                        }
                    }
                }
            }
        }
        return out
    }
}
