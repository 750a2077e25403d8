import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineImport
import RooflineQuant
import RooflineTestSupport

/// FP8 checkpoints as llm-compressor publishes them (compressed-tensors "float-quantized": F8_E4M3 weights with
/// per-channel BF16 or per-tensor F32 `weight_scale`, an unused `input_scale`), made from the two-layer folder of
/// ImportTests by scripts/reference/make_hf_fp8_checkpoint.py (ml_dtypes, safetensors), beside the same weights
/// dequantized to float32. The import keeps every code and scale, runs at one byte per weight, and gives the
/// logits of the dequantized model to float rounding; bad scales are refused by name.
@Suite(.serialized) struct FP8ImportTests {
    static let folders: Result<(fp8: String, dequantized: String), Error> = Result {
        let float = try ImportTests.folder.get()
        if try Shell.run(["python3", "-c", "import ml_dtypes"]).0 != 0 {
            let (s, o) = try Shell.run(["python3", "-m", "pip", "install", "--quiet", "ml_dtypes"])
            guard s == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "pip install failed: \(o)"]) }
        }
        let base = Fixtures.scratch.appendingPathComponent("fp8").path
        let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        let (s, o) = try Shell.run(["python3", root.appendingPathComponent("scripts/reference/make_hf_fp8_checkpoint.py").path,
                                    float, base + "/fp8", base + "/dequantized"])
        guard s == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "make_hf_fp8_checkpoint.py failed: \(o)"]) }
        return (base + "/fp8", base + "/dequantized")
    }

    static let imported: Result<(fp8: String, dequantized: String), Error> = Result {
        let (fp8, deq) = try folders.get()
        let a = Fixtures.temporaryPath("fp8-imported.gguf"), b = Fixtures.temporaryPath("fp8-dequantized.gguf")
        try HFImporter.convert(folder: fp8, to: a)
        try HFImporter.convert(folder: deq, to: b)
        return (a, b)
    }

    /// Checkpoint row `r` of a Q/K matrix lands on GGUF row perm(r) (llama.cpp's permute, as HFImporter applies it).
    static func ggufRow(_ old: Int, heads: Int, rows: Int) -> Int {
        let d = rows / heads, h = old / d, o = old % d
        return h * d + 2 * (o % (d / 2)) + o / (d / 2)
    }

    @Test func importKeepsEveryCodeAndScale() throws {
        let (dir, _) = try Self.folders.get()
        let f = try GGUFFile(path: try Self.imported.get().fp8)
        let ckpt = try SafetensorsCheckpoint(folder: dir)
        #expect(f.metadata[GGMLType.rooflineTypesKey] != nil)
        let heads = f.metadata["llama.attention.head_count"]?.intValue ?? 0, kvHeads = f.metadata["llama.attention.head_count_kv"]?.intValue ?? 0
        var checked = 0
        for i in 0..<2 {
            let pairs = [("self_attn.q_proj", "attn_q", heads), ("self_attn.k_proj", "attn_k", kvHeads), ("self_attn.v_proj", "attn_v", 0),
                         ("self_attn.o_proj", "attn_output", 0), ("mlp.gate_proj", "ffn_gate", 0), ("mlp.up_proj", "ffn_up", 0), ("mlp.down_proj", "ffn_down", 0)]
            for (hf, gg, permute) in pairs {
                let (w, wf) = try #require(ckpt.tensor("model.layers.\(i).\(hf).weight"))
                let (s, sf) = try #require(ckpt.tensor("model.layers.\(i).\(hf).weight_scale"))
                let t = try #require(f.tensor("blk.\(i).\(gg).weight"))
                #expect(w.dtype == .f8e4m3 && t.type == .fp8_e4m3, "\(t.name)")
                let rows = w.shape[0], cols = w.shape[1]
                #expect(t.byteCount == rows * (cols + 4), "\(t.name): one byte per weight plus a scale per row")
                let scales = try #require(sf.floats(s))
                let codes = UnsafeRawBufferPointer(start: wf.data(w), count: w.byteCount)
                let data = UnsafeRawBufferPointer(start: f.data(t), count: t.byteCount)
                for r in 0..<rows {
                    let g = permute > 0 ? Self.ggufRow(r, heads: permute, rows: rows) : r
                    let scale = Float(bitPattern: data.loadUnaligned(fromByteOffset: g * (cols + 4), as: UInt32.self))
                    #expect(scale == scales[scales.count == 1 ? 0 : r], "\(t.name) row \(r) scale")
                    #expect(Array(data[(g * (cols + 4) + 4)..<((g + 1) * (cols + 4))]) == Array(codes[(r * cols)..<((r + 1) * cols)]), "\(t.name) row \(r) codes")
                }
                checked += 1
            }
        }
        #expect(checked == 14)
    }

    /// The FP8 tensors dequantize to exactly the float32 values of the dequantized folder (ml_dtypes' decoding
    /// times the scale, in float32), and the two models' logits agree to float rounding.
    @Test func runsLikeTheDequantizedModel() throws {
        let (a, b) = try Self.imported.get()
        let fa = try GGUFFile(path: a), fb = try GGUFFile(path: b)
        var fp8Tensors = 0
        for t in fa.tensors {
            let o = try #require(fb.tensor(t.name))
            if t.type == .fp8_e4m3 { fp8Tensors += 1 }
            #expect(TensorKernels.dequantize(t.type, fa.data(t), rows: t.rowCount, cols: t.rowLength)
                    == TensorKernels.dequantize(o.type, fb.data(o), rows: o.rowCount, cols: o.rowLength), "\(t.name) values")
        }
        #expect(fp8Tensors == 14)
        for path in KernelPath.available {
            let e1 = try Engine(path: a, threads: 2, contextSize: 64, kernelPath: path)
            let e2 = try Engine(path: b, threads: 2, contextSize: 64, kernelPath: path)
            let prompt = e1.tokenize("The capital of France is Paris, and the capital of Italy is")
            func logits(_ e: Engine) throws -> [Float] {
                var l = [Float](repeating: 0, count: e.model.config.vocabSize)
                try l.withUnsafeMutableBufferPointer { try e.model.forward(tokens: prompt, cache: e.model.makeCache(capacity: 64), logits: $0.baseAddress!, allLogits: false) }
                return l
            }
            let la = try logits(e1), lb = try logits(e2)
            let diff = zip(la, lb).map { abs($0 - $1) }.max()!, range = lb.map(abs).max()!
            print("FP8 vs dequantized F32 logits (\(path)): max |difference| \(diff), max |logit| \(range)")
            #expect(diff <= 1e-3 * range, "\(path): logits differ by \(diff) (max |logit| \(range))")
            #expect(la.indices.max { la[$0] < la[$1] } == lb.indices.max { lb[$0] < lb[$1] })
        }
    }

    /// `roofline quantize` both ways: the FP8 model to Q8_0 (for llama.cpp), and the float32 model to FP8 with
    /// per-row scales, which runs close to the checkpoint's own FP8.
    @Test func quantizesToAndFromFP8() throws {
        let (a, b) = try Self.imported.get()
        let q8 = Fixtures.temporaryPath("fp8-to-q8_0.gguf"), back = Fixtures.temporaryPath("f32-to-fp8.gguf")
        defer { Fixtures.remove(q8, back) }
        _ = try ModelQuantizer.quantize(try GGUFFile(path: a), to: q8, options: .init(type: .q8_0))
        let fq = try GGUFFile(path: q8)
        #expect(fq.metadata[GGMLType.rooflineTypesKey] == nil && fq.tensors.allSatisfy { !$0.type.isRooflineOnly })
        _ = try ModelQuantizer.quantize(try GGUFFile(path: b), to: back, options: .init(type: .fp8_e4m3))
        let fb = try GGUFFile(path: back), src = try GGUFFile(path: b)
        #expect(fb.metadata[GGMLType.rooflineTypesKey] != nil)
        for t in fb.tensors where t.dims.count == 2 {
            #expect(t.type == .fp8_e4m3, "\(t.name)")
            let o = try #require(src.tensor(t.name))
            let x = try #require(TensorKernels.dequantize(o.type, src.data(o), rows: o.rowCount, cols: o.rowLength))
            let y = try #require(TensorKernels.dequantize(t.type, fb.data(t), rows: t.rowCount, cols: t.rowLength))
            // Half an E4M3 step: 2^-4 relative for normal values, half the subnormal step (scale · 2^-10) below.
            for r in stride(from: 0, to: t.rowCount, by: 97) {
                let row = x[(r * t.rowLength)..<((r + 1) * t.rowLength)], amax = row.map(abs).max()!
                for i in row.indices {
                    #expect(abs(y[i] - x[i]) <= max(abs(x[i]) * 0x1p-4, amax / 448 * 0x1p-10) * 1.0001, "\(t.name) element \(i)")
                }
            }
        }
        for p in [q8, back] {
            let e = try Engine(path: p, threads: 2, contextSize: 64)
            let r = try e.generate(prompt: e.tokenize("Hello"), options: GenerationOptions(maxTokens: 3))
            #expect(r.tokens.count + (r.finishReason == .stop ? 1 : 0) >= 1)
        }
    }
}
