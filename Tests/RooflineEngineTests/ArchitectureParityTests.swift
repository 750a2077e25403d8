import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineModel
import RooflineTestSupport

/// Each architecture, on a small random-weight model with the default model's vocabulary, against llama.cpp's
/// greedy tokens and perplexity on the same model (scripts/reference/make_arch_reference.py wrote the
/// fixtures; ArchModel builds the same weights here, which the per-tensor sums prove).
@Suite(.serialized) struct ArchitectureParityTests {
    static let architectures = ["llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "qwen3moe", "llama_moe", "gpt-oss"]

    func engine(_ arch: String) throws -> (Engine, ArchModel.Fixture) {
        let f = try ArchModel.fixture(arch)
        let source = try GGUFFile(path: try #require(DefaultModel.path, "the default model (for its vocabulary) is missing"))
        let (w, sums) = try ArchModel.make(f, tokenizerFrom: source)
        try #require(sums.count == f.tensors.count, "\(arch): the tensor plan differs from the script's")
        for (s, t) in zip(sums, f.tensors) {
            #expect(abs(s - t.sum) <= 1e-9 * max(1, abs(t.sum)), "\(arch) \(t.name): weights differ from the script's (sum \(s) vs \(t.sum))")
        }
        let p = Fixtures.temporaryPath("\(arch).gguf")
        try w.write(to: p)
        defer { try? FileManager.default.removeItem(atPath: p) }
        return (try Engine(path: p, threads: 2, contextSize: 512), f)
    }

    /// Argmax of the raw logits (lowest id on ties) at every step, not stopping at end-of-generation tokens,
    /// as the script's llama.cpp loop does.
    func greedy(_ e: Engine, _ prompt: [Int32], steps: Int) throws -> [Int32] {
        let m = e.model, v = m.config.vocabSize
        let cache = m.makeCache(capacity: prompt.count + steps)
        var logits = [Float](repeating: 0, count: v)
        var next = prompt, out: [Int32] = []
        for _ in 0..<steps {
            try logits.withUnsafeMutableBufferPointer { try m.forward(tokens: next, cache: cache, logits: $0.baseAddress!, allLogits: false) }
            var best = 0
            for i in 1..<v where logits[i] > logits[best] { best = i }
            out.append(Int32(best))
            next = [Int32(best)]
        }
        return out
    }

    @Test(arguments: architectures)
    func greedyTokensAndPerplexityMatchLlamaCpp(arch: String) throws {
        let (e, f) = try engine(arch)
        try expectLlamaCppParity(e, f, label: arch)
    }

    /// llama.cpp's greedy tokens for each prompt of `f`, and its perplexity within 0.1%.
    func expectLlamaCppParity(_ e: Engine, _ f: ArchModel.Fixture, label arch: String) throws {
        #expect(e.model.config.architecture == f.architecture)
        for c in f.cases {
            #expect(e.tokenize(c.prompt) == c.prompt_tokens)
            let ours = try greedy(e, c.prompt_tokens, steps: c.tokens.count)
            #expect(c.tokens.count >= 32)
            #expect(ours == c.tokens, "\(arch) \(c.prompt.debugDescription): first difference at step \(zip(ours, c.tokens).prefix { $0 == $1 }.count)")
        }
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("text/eval.txt"), encoding: .utf8)
        // llama-perplexity --chunks N scores the first N chunks of ctx tokens.
        let tokens = e.tokenizer.encode(text, addSpecial: e.tokenizer.addBOS, parseSpecial: false)
        let r = try e.perplexity(tokens: Array(tokens.prefix(f.perplexity.chunks * f.perplexity.ctx)), context: f.perplexity.ctx)
        #expect(r.chunks == f.perplexity.chunks)
        print("\(arch): perplexity \(r.perplexity), llama.cpp \(f.perplexity.perplexity), \(String(format: "%+.4f%%", (r.perplexity / f.perplexity.perplexity - 1) * 100))")
        // The issue asks for 1%; with F32/F16 weights Roofline lands within 0.01% (measured), so the test holds it
        // to 0.1%, tight enough to catch a missing sliding window or soft-cap on gemma2 (each moved it by ~10%).
        #expect(abs(r.perplexity / f.perplexity.perplexity - 1) < 0.001, "\(arch): \(r.perplexity) vs llama.cpp \(f.perplexity.perplexity)")
    }

    /// Rows routed to experts together give exactly what each sequence gives alone (continuous batching).
    @Test func mixtureOfExpertsBatchedEqualsAloneBitForBit() throws {
        let (e, f) = try engine("qwen3moe")
        let m = e.model, v = m.config.vocabSize
        let prompts = f.cases.map(\.prompt_tokens)
        var alone: [[Float]] = []
        for p in prompts {
            let cache = m.makeCache(capacity: 64)
            var out = [Float](repeating: 0, count: v)
            try out.withUnsafeMutableBufferPointer { try m.forward(tokens: p + [7, 8], cache: cache, logits: $0.baseAddress!, allLogits: false) }
            alone.append(out)
        }
        let caches = prompts.map { _ in m.makeCache(capacity: 64) }
        var out = [Float](repeating: 0, count: prompts.count * v)
        try out.withUnsafeMutableBufferPointer {
            try m.forward(batch: zip(prompts, caches).map { LlamaModel.BatchEntry(tokens: $0 + [7, 8], cache: $1) }, logits: $0.baseAddress!)
        }
        for k in prompts.indices { #expect(Array(out[k * v..<(k + 1) * v]) == alone[k], "sequence \(k)") }
    }
}
