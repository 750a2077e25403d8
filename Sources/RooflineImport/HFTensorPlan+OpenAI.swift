import Foundation
import RooflineGGUF

/// How one of gpt-oss's stacked expert tensors becomes its GGUF tensor, as llama.cpp's converter does it
/// (conversion/gpt_oss.py of llama-cpp-python 0.3.36's vendored llama.cpp).
enum OpenAIReshape {
    /// MXFP4 experts as published: `<name>_blocks` (U8 [experts, rows, cols/32, 16], two E2M1 codes per byte, value
    /// 2i in the low nibble of byte i) and `<name>_scales` (U8 E8M0 [experts, rows, cols/32]), repacked into
    /// ggml's MXFP4 blocks (scale byte, then byte j holding value j low and value j + 16 high); rows
    /// `start, start + stride, …` of each expert (gate_up_proj interleaves gate and up rows).
    case mxfp4(scales: String, start: Int, stride: Int)
    /// A dense [experts, cols, rows] tensor (the checkpoint stores inputs first), transposed per expert to rows of
    /// `cols`, keeping rows `start, start + stride, …`, in the checkpoint's dtype.
    case transposed(start: Int, stride: Int)
    /// A [experts, n] bias: elements `start, start + stride, …` of each expert, as F32.
    case strided(start: Int, stride: Int)
}

extension HFImporter {
    /// A gpt-oss layer's experts (its other tensors are mapped by name from `GptOss.tensors`): MXFP4
    /// (`*_blocks`/`*_scales`) or dense, gate and up taken from gate_up_proj's even and odd rows, with their biases.
    static func planOpenAIExperts(_ c: HFConfig, _ ckpt: SafetensorsCheckpoint, _ p: String, _ b: String) throws(ImportError) -> (planned: [Planned], used: [String]) {
        var out: [Planned] = [], used: [String] = []
        let h = c.hidden, e = c.family.experts, fx = c.family.expertFFN
        let m = p + "mlp.experts."
        /// `name` with `shape` and one of `dtypes`, or an error naming it.
        func tensor(_ name: String, _ shape: [Int], _ dtypes: [SafetensorsDType]) throws(ImportError) -> SafetensorsDType {
            guard let (t, f) = ckpt.tensor(name) else { throw .inconsistent("\(ckpt.folder): the tensor '\(name)' is missing") }
            guard t.shape == shape else { throw .inconsistent("\(f.path): '\(name)' has shape \(t.shape), config.json implies \(shape)") }
            guard dtypes.contains(t.dtype) else {
                throw .unsupported(file: f.path, what: "the dtype \(t.dtype.rawValue) of '\(name)' (expected \(dtypes.map(\.rawValue).joined(separator: " or ")))")
            }
            used.append(name)
            return t.dtype
        }
        // (checkpoint name, GGUF name, rows per expert in the checkpoint, columns, start, stride)
        let matrices = [("gate_up_proj", "ffn_gate_exps", 2 * fx, h, 0, 2), ("gate_up_proj", "ffn_up_exps", 2 * fx, h, 1, 2),
                        ("down_proj", "ffn_down_exps", h, fx, 0, 1)]
        let mx = ckpt.tensor(m + "gate_up_proj_blocks") != nil
        for (hf, gg, rows, cols, start, stride) in matrices {
            let kept = rows / stride
            if mx {
                guard cols % 32 == 0 else { throw .inconsistent("\(ckpt.folder): '\(m + hf)_blocks' rows of \(cols) are not whole MXFP4 blocks") }
                _ = try tensor(m + hf + "_blocks", [e, rows, cols / 32, 16], [.u8])
                _ = try tensor(m + hf + "_scales", [e, rows, cols / 32], [.u8])
                out.append(Planned(gguf: b + gg + ".weight", sources: [m + hf + "_blocks"], dims: [cols, kept, e], type: .mxfp4,
                                   permuteHeads: 0, shift: false, reshape: .mxfp4(scales: m + hf + "_scales", start: start, stride: stride)))
            } else {
                let d = try tensor(m + hf, [e, cols, rows], [.f32, .f16, .bf16])
                out.append(Planned(gguf: b + gg + ".weight", sources: [m + hf], dims: [cols, kept, e], type: d == .f32 ? .f32 : d == .f16 ? .f16 : .bf16,
                                   permuteHeads: 0, shift: false, reshape: .transposed(start: start, stride: stride)))
            }
            _ = try tensor(m + hf + "_bias", [e, rows], [.f32, .f16, .bf16])
            out.append(Planned(gguf: b + gg + ".bias", sources: [m + hf + "_bias"], dims: [kept, e], type: .f32,
                               permuteHeads: 0, shift: false, reshape: .strided(start: start, stride: stride)))
        }
        return (out, used)
    }

    /// The bytes of a gpt-oss expert tensor planned with `reshape`.
    static func openAIBytes(_ r: OpenAIReshape, _ p: Planned, _ ckpt: SafetensorsCheckpoint) throws(ImportError) -> [UInt8] {
        guard let name = p.sources.first, let (t, f) = ckpt.tensor(name) else { throw .inconsistent("tensor '\(p.sources.first ?? "?")' vanished") }
        let src = f.data(t)
        switch r {
        case .mxfp4(let scalesName, let start, let stride):
            guard let (st, sf) = ckpt.tensor(scalesName) else { throw .inconsistent("tensor '\(scalesName)' vanished") }
            let scales = sf.data(st)
            let (experts, rows, blocks) = (t.shape[0], t.shape[1], t.shape[2])
            var out = [UInt8](repeating: 0, count: experts * (rows / stride) * blocks * 17)
            var o = 0
            for x in 0..<experts {
                for row in Swift.stride(from: start, to: rows, by: stride) {
                    for k in 0..<blocks {
                        let block = (x * rows + row) * blocks + k
                        out[o] = scales.load(fromByteOffset: block, as: UInt8.self)
                        // Byte i holds values 2i (low nibble) and 2i + 1; ggml's byte j holds values j and j + 16, so
                        // byte i fills the low nibbles of 2i, 2i + 1 (i < 8) or the high ones of 2i − 16, 2i − 15.
                        for i in 0..<16 {
                            let b = src.load(fromByteOffset: block * 16 + i, as: UInt8.self)
                            let j = 2 * i % 16, shift: UInt8 = i < 8 ? 0 : 4
                            out[o + 1 + j] |= (b & 0x0F) << shift
                            out[o + 2 + j] |= (b >> 4) << shift
                        }
                        o += 17
                    }
                }
            }
            return out
        case .transposed(let start, let stride):
            let (experts, cols, rows) = (t.shape[0], t.shape[1], t.shape[2]), size = t.dtype.byteSize
            var out = [UInt8](repeating: 0, count: experts * (rows / stride) * cols * size)
            out.withUnsafeMutableBytes { o in
                var n = 0
                for x in 0..<experts {
                    for row in Swift.stride(from: start, to: rows, by: stride) {
                        for col in 0..<cols {
                            (o.baseAddress! + n).copyMemory(from: src + ((x * cols + col) * rows + row) * size, byteCount: size)
                            n += size
                        }
                    }
                }
            }
            return out
        case .strided(let start, let stride):
            guard let v = f.floats(t) else { throw .unsupported(file: f.path, what: "converting \(t.dtype.rawValue)") }
            let (experts, n) = (t.shape[0], t.shape[1])
            var kept: [Float] = []
            kept.reserveCapacity(experts * n / stride)
            for x in 0..<experts {
                for i in Swift.stride(from: start, to: n, by: stride) { kept.append(v[x * n + i]) }
            }
            return kept.withUnsafeBytes { Array($0) }
        }
    }
}
