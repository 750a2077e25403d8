import Foundation
import Testing
import RooflineEngine

/// The check every architecture model passes (ArchitectureParityTests, and ImportFamilyTests on the imported
/// folders): llama.cpp's greedy tokens and perplexity from the fixture.
public enum ArchParity {
    /// Argmax of the raw logits (lowest id on ties) at every step, not stopping at end-of-generation tokens,
    /// as the script's llama.cpp loop does.
    static func greedy(_ e: Engine, _ prompt: [Int32], steps: Int) throws -> [Int32] {
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

    /// llama.cpp's greedy tokens for each prompt of `f`, and its perplexity within 0.1%.
    public static func expectLlamaCppParity(_ e: Engine, _ f: ArchModel.Fixture, label arch: String) throws {
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

}
