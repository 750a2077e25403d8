import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// llama.cpp's optional per-tensor scales (`<weight>.scale`, shape [1]; NVFP4's "scale2"): the matmul's result is
/// multiplied by the scale (`build_lora_mm`'s `ggml_mul(res, w_s)`), so a model with W and scale s runs as the
/// model with s·W. `.input_scale` tensors load and are unused, as in llama.cpp; scales elsewhere are refused.
@Suite struct TensorScaleTests {
    static let scaled: [(String, Float)] = [("blk.0.attn_q.weight", 0.5), ("blk.0.attn_output.weight", 2), ("blk.1.ffn_down.weight", 0.25),
                                            ("blk.1.ffn_gate.weight", 4)]

    /// F32 weights (converted below).
    static var shape: TinyModel.Shape { var s = TinyModel.Shape(); s.weightType = .f32; s.ffn = 128; return s }

    /// The tiny model twice: with `.scale` tensors, and with the same matrices multiplied by them.
    func pair(_ type: GGMLType) throws -> (scaled: String, folded: String) {
        let base = try TinyModel.make(Self.shape, seed: 11)
        var a = GGUFWriter(), b = GGUFWriter()
        for (k, v) in base.metadata { a.set(k, v); b.set(k, v) }
        for t in base.tensors {
            let values = t.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let s = Self.scaled.first { $0.0 == t.name }?.1
            let target = t.dims.count == 2 ? type : GGMLType.f32
            try a.addTensor(name: t.name, dims: t.dims, type: target, data: Quantizer.quantize(values, to: target))
            try b.addTensor(name: t.name, dims: t.dims, type: target, data: Quantizer.quantize(values.map { $0 * (s ?? 1) }, to: target))
            if let s {
                let stem = String(t.name.dropLast(".weight".count))
                try a.addTensor(name: stem + ".scale", dims: [1], floats: [s])
                try a.addTensor(name: stem + ".input_scale", dims: [1], floats: [0.01])
            }
        }
        let pa = Fixtures.temporaryPath("scaled-\(type).gguf"), pb = Fixtures.temporaryPath("folded-\(type).gguf")
        try a.write(to: pa)
        try b.write(to: pb)
        return (pa, pb)
    }

    func logits(_ path: String) throws -> [Float] {
        let e = try Engine(path: path, threads: 2, contextSize: 64)
        var out = [Float](repeating: 0, count: 6 * e.model.config.vocabSize)
        try out.withUnsafeMutableBufferPointer {
            try e.model.forward(tokens: [1, 20, 300 - 50, 7, 99, 3], cache: e.model.makeCache(capacity: 64), logits: $0.baseAddress!, allLogits: true)
        }
        return out
    }

    /// Powers of two: scaling the weights is exact for F32, BF16 and Q8_0 (its F16 block scales move by exact
    /// powers of two), so the logits must be identical. (Not for NVFP4: a power of two moves some UE4M3 block
    /// scales across its subnormal boundary, where ggml rounds differently; the NVFP4 check is llama.cpp's
    /// perplexity on the same file, docs/quantization.md.)
    @Test(arguments: [GGMLType.f32, .bf16, .q8_0]) func scaleMultipliesTheMatmulResult(type: GGMLType) throws {
        let (a, b) = try pair(type)
        let la = try logits(a), lb = try logits(b)
        #expect(la == lb, "\(type): max difference \(zip(la, lb).map { abs($0 - $1) }.max()!)")
        // And the scales matter: without them the logits differ.
        let plain = try TinyModel.make(Self.shape, seed: 11)
        let pc = Fixtures.temporaryPath("plain.gguf")
        try plain.write(to: pc)
        #expect(try logits(pc) != lb)
    }

    @Test func scalesWhereLlamaCppTakesNoneAreRefused() throws {
        var w = try TinyModel.make()
        try w.addTensor(name: "output.scale", dims: [1], floats: [2])
        let p = Fixtures.temporaryPath("output-scale.gguf")
        try w.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("output.scale") }
        var w2 = try TinyModel.make()
        try w2.addTensor(name: "blk.0.attn_q.scale", dims: [2], floats: [2, 3])
        try w2.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("blk.0.attn_q.scale") }
    }
}
