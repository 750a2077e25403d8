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
    static let architectures = ["llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "qwen3moe", "llama_moe", "gpt-oss", "granite"]

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

    @Test(arguments: architectures)
    func greedyTokensAndPerplexityMatchLlamaCpp(arch: String) throws {
        let (e, f) = try engine(arch)
        try ArchParity.expectLlamaCppParity(e, f, label: arch)
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
            try m.forward(batch: zip(prompts, caches).map { Transformer.BatchEntry(tokens: $0 + [7, 8], cache: $1) }, logits: $0.baseAddress!)
        }
        for k in prompts.indices { #expect(Array(out[k * v..<(k + 1) * v]) == alone[k], "sequence \(k)") }
    }
}
