import Foundation
import RooflineGGUF

/// The `quantization_config` of a checkpoint whose linear weights are FP8, as llm-compressor publishes them
/// (`quant_method: "compressed-tensors"`, format `float-quantized` or `naive-quantized`, weights of 8-bit
/// `float` type with a `tensor` or `channel` strategy) or in the older style (`quant_method: "fp8"` without
/// `weight_block_size`). Weights are F8_E4M3 (or F8_E5M2) with a `<name>.weight_scale` beside each; the value is
/// float(code) * scale. An `input_scale` (static activation scale) is accepted and not used: Roofline keeps
/// activations in float32 for FP8 weights, so nothing needs one. Block-wise FP8 (DeepSeek's 128 × 128 scales) and
/// other methods are refused by name.
struct HFQuantization {
    let method: String

    /// nil when config.json has no `quantization_config`.
    init?(_ value: Any?, file: String) throws(ImportError) {
        guard let value, !(value is NSNull) else { return nil }
        guard let q = value as? [String: Any] else { throw .invalidJSON(file: file, reason: "'quantization_config' is not an object") }
        guard let method = q["quant_method"] as? String else { throw .missingKey(file: file, key: "quantization_config.quant_method") }
        self.method = method
        switch method {
        case "compressed-tensors":
            let format = q["format"] as? String ?? "?"
            guard ["float-quantized", "naive-quantized"].contains(format) else {
                throw .unsupported(file: file, what: "compressed-tensors format '\(format)' (readable: float-quantized, naive-quantized FP8)")
            }
            for (name, g) in (q["config_groups"] as? [String: Any]) ?? [:] {
                guard let w = (g as? [String: Any])?["weights"] as? [String: Any] else { continue }
                let bits = (w["num_bits"] as? NSNumber)?.intValue, type = w["type"] as? String, strategy = w["strategy"] as? String ?? "?"
                guard bits == 8, type == "float" else {
                    throw .unsupported(file: file, what: "config group '\(name)' with \(bits.map(String.init) ?? "?")-bit \(type ?? "?") weights (readable: 8-bit float)")
                }
                guard ["tensor", "channel"].contains(strategy) else {
                    throw .unsupported(file: file, what: "config group '\(name)' with the '\(strategy)' weight strategy (readable: tensor, channel)")
                }
            }
        case "fp8":
            if let b = q["weight_block_size"], !(b is NSNull) {
                throw .unsupported(file: file, what: "block-wise FP8 (weight_block_size \(b))")
            }
        case "mxfp4":
            break  // gpt-oss's experts as *_blocks / *_scales, repacked by HFTensorPlan+OpenAI.swift; checked there
        default:
            throw .unsupported(file: file, what: "the quantization method '\(method)' (readable: compressed-tensors FP8, fp8, mxfp4 for gpt-oss)")
        }
    }

    /// Each weight row's scale, from `<weight>_scale`: one value (per tensor: shape [], [1] or [1, 1]) repeated, or
    /// one per output row (per channel: [rows, 1] or [rows]). Every scale must be finite and not negative.
    static func rowScales(_ ckpt: SafetensorsCheckpoint, weight: String, rows: Int) throws(ImportError) -> [Float] {
        let name = weight + "_scale"
        guard let (t, f) = ckpt.tensor(name) else {
            if ckpt.tensor(weight + "_scale_inv") != nil {
                throw .unsupported(file: ckpt.folder, what: "block-wise FP8 ('\(weight)_scale_inv')")
            }
            throw .inconsistent("\(ckpt.folder): the FP8 weight '\(weight)' has no '\(name)' tensor")
        }
        guard [.f32, .bf16, .f16].contains(t.dtype), let v = f.floats(t) else {
            throw .unsupported(file: f.path, what: "the dtype \(t.dtype.rawValue) of the scale '\(name)' (readable: F32, BF16, F16)")
        }
        let perTensor = t.elementCount == 1 && t.shape.allSatisfy { $0 == 1 }
        let perRow = t.shape == [rows, 1] || t.shape == [rows]
        guard perTensor || perRow else {
            throw .inconsistent("\(f.path): the scale '\(name)' has shape \(t.shape); expected [] or [1] (per tensor) or [\(rows), 1] (per output channel)")
        }
        if let bad = v.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw .inconsistent("\(f.path): the scale '\(name)' holds \(v[bad]) at index \(bad) (scales must be finite and not negative)")
        }
        return perTensor ? [Float](repeating: v[0], count: rows) : v
    }

    /// Refuses NaN codes (and E5M2 infinities), naming the tensor and the element; run while planning, before
    /// anything is written.
    static func checkCodes(_ t: SafetensorsTensor, _ f: SafetensorsFile) throws(ImportError) {
        let cols = t.elementCount / max(t.shape[0], 1)
        let src = f.data(t).assumingMemoryBound(to: UInt8.self)
        let bad: (UInt8) -> Bool = t.dtype == .f8e4m3 ? { $0 & 0x7F == 0x7F } : { $0 & 0x7C == 0x7C }
        for i in 0..<t.elementCount where bad(src[i]) {
            throw .inconsistent("\(f.path): '\(t.name)' holds a NaN or infinite code (0x\(String(src[i], radix: 16))) at element \(i) (row \(i / cols))")
        }
    }

    /// The GGUF bytes of an FP8 weight: per row, its float32 scale then the row's codes, unchanged.
    static func rows(_ t: SafetensorsTensor, _ f: SafetensorsFile, scales: [Float]) throws(ImportError) -> [UInt8] {
        let rows = t.shape[0], cols = t.elementCount / max(rows, 1)
        let src = f.data(t).assumingMemoryBound(to: UInt8.self)
        var out = [UInt8](repeating: 0, count: rows * (4 + cols))
        out.withUnsafeMutableBytes { o in
            for r in 0..<rows {
                let row = o.baseAddress! + r * (4 + cols)
                row.storeBytes(of: scales[r].bitPattern.littleEndian, as: UInt32.self)
                (row + 4).copyMemory(from: src + r * cols, byteCount: cols)
            }
        }
        return out
    }
}
