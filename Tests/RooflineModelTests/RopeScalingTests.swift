import Testing
import RooflineEngine
import RooflineGGUF
import RooflineTestSupport

/// RoPE frequency factors (`rope_freqs.weight`, Llama 3.x) and linear scaling act on the angles as ggml's
/// rope_yarn does: angle = freq_scale · θ / factor.
@Suite struct RopeScalingTests {
    func logits(_ w: GGUFWriter) throws -> [Float] {
        let p = Fixtures.temporaryPath("rope.gguf")
        try w.write(to: p)
        let e = try Engine(path: p, threads: 1, contextSize: 32)
        let cache = e.model.makeCache(capacity: 32)
        var out = [Float](repeating: 0, count: 12 * e.model.config.vocabSize)
        try out.withUnsafeMutableBufferPointer { try e.model.forward(tokens: Array(1...12), cache: cache, logits: $0.baseAddress!, allLogits: true) }
        return out
    }

    @Test func factorsOfTwoEqualLinearScalingByTwo() throws {
        let base = try TinyModel.make()
        let plain = try logits(base)
        let dims = 64 / 4 / 2
        var ones = base
        try ones.addTensor(name: "rope_freqs.weight", dims: [dims], floats: [Float](repeating: 1, count: dims))
        #expect(try logits(ones) == plain, "factors of 1 change nothing")
        var twos = base
        try twos.addTensor(name: "rope_freqs.weight", dims: [dims], floats: [Float](repeating: 2, count: dims))
        var linear = base
        linear.set("llama.rope.scaling.type", .string("linear"))
        linear.set("llama.rope.scaling.factor", .float32(2))
        let a = try logits(twos), b = try logits(linear)
        #expect(a != plain, "factors of 2 change the angles")
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
    }

    @Test func unsupportedScalingIsNamed() throws {
        var w = try TinyModel.make()
        w.set("llama.rope.scaling.type", .string("longrope"))
        #expect { try logits(w) } throws: { "\($0)".contains("longrope") && "\($0)".contains("rope.scaling.type") }
    }

    /// YaRN with factor 1 is no scaling at all (interpolated and extrapolated angles agree, magnitude 1); with a
    /// factor it differs from linear scaling, which moves every pair (YaRN keeps the fast pairs extrapolated).
    /// llama.cpp parity for YaRN is gpt-oss's (ArchitectureParityTests).
    @Test func yarnOfOneIsNoScalingAndYarnIsNotLinear() throws {
        let base = try TinyModel.make()
        let plain = try logits(base)
        var one = base
        one.set("llama.rope.scaling.type", .string("yarn"))
        one.set("llama.rope.scaling.factor", .float32(1))
        #expect(try logits(one) == plain)
        func scaled(_ type: String) -> GGUFWriter {
            var w = base
            w.set("llama.rope.scaling.type", .string(type))
            w.set("llama.rope.scaling.factor", .float32(4))
            w.set("llama.rope.scaling.original_context_length", .uint32(8))
            return w
        }
        let yarn = scaled("yarn"), linear = scaled("linear")
        let y = try logits(yarn), l = try logits(linear)
        #expect(y != plain && y != l)
    }
}
