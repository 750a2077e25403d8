import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineModel
import RooflineQuant
import RooflineSampling
import RooflineTestSupport

/// The forward pass on small random-weight models written with the project's GGUF writer.
@Suite struct TinyModelTests {
    func tinyPath(_ shape: TinyModel.Shape = TinyModel.Shape(), seed: UInt64 = 1) throws -> String {
        let w = try TinyModel.make(shape, seed: seed)
        let p = Fixtures.temporaryPath("tiny.gguf")
        try w.write(to: p)
        return p
    }

    func logits(_ engine: Engine, _ tokens: [Int32], capacity: Int = 64) throws -> [Float] {
        let cache = engine.model.makeCache(capacity: capacity)
        var out = [Float](repeating: 0, count: tokens.count * engine.model.config.vocabSize)
        try out.withUnsafeMutableBufferPointer { try engine.model.forward(tokens: tokens, cache: cache, logits: $0.baseAddress!, allLogits: true) }
        return out
    }

    static let weightTypes: [GGMLType] = [.q8_0, .q4_0, .q4_1, .f16, .f32, .bf16]

    /// A kernel path this CPU cannot run (NEON on x86, AVX on arm64) is refused with an error naming it, before
    /// any kernel could reach instructions the CPU does not have.
    @Test func unavailableKernelPathIsRefused() throws {
        let path = try tinyPath()
        let missing = try #require(KernelPath.allCases.first { !KernelPath.available.contains($0) })
        #expect(throws: EngineError.self) { _ = try Engine(path: path, threads: 1, contextSize: 32, kernelPath: missing) }
        do {
            _ = try Engine(path: path, threads: 1, contextSize: 32, kernelPath: missing)
        } catch {
            #expect("\(error)".contains(missing.description), "\(error)")
        }
    }

    /// Every kernel path computes the same logits for every weight type, both for a batched prompt (64+ rows
    /// take the tiled attention path) and for single-token steps. With F32 activations the paths differ only
    /// in summation order and F16 KV-cache roundings; with 8-bit or 16-bit activations a last-bit difference can flip one rounding, and
    /// such flips compound through the layers (measured on SmolLM2: 0.07 on logits near 28 after 30 layers),
    /// so quantized types get a 3% budget, far below what a broken kernel produces.
    @Test(arguments: weightTypes)
    func everyKernelPathGivesTheSameLogits(type: GGMLType) throws {
        var shape = TinyModel.Shape()
        shape.weightType = type
        shape.tiedOutput = type != .q4_1
        let path = try tinyPath(shape)
        let prompt = (0..<70).map { Int32(($0 * 37) % 256) }
        var results: [[Float]] = []
        for kp in KernelPath.available {
            let e = try Engine(path: path, threads: 2, contextSize: 96, kernelPath: kp)
            var all = try logits(e, prompt, capacity: 96)
            // then three decode steps on top of the prompt
            let cache = e.model.makeCache(capacity: 96)
            var one = [Float](repeating: 0, count: e.model.config.vocabSize)
            for t in prompt.prefix(8) + [1, 2, 3] {
                try one.withUnsafeMutableBufferPointer { try e.model.forward(tokens: [t], cache: cache, logits: $0.baseAddress!, allLogits: false) }
            }
            all += one
            results.append(all)
        }
        let scale = results[0].map(abs).max()!
        for r in results.dropFirst() {
            let diff = zip(results[0], r).map { abs($0 - $1) }.max()!
            let budget: Float = type == .f32 ? 1e-3 : 3e-2
            #expect(diff <= budget * max(scale, 1), "\(type): paths differ by \(diff) (logit scale \(scale))")
        }
    }

    /// A context whose KV cache could never fit is refused up front with the size it would take, not by a
    /// failed allocation later (which would abort the process).
    @Test func contextLargerThanMemoryIsRefused() throws {
        let path = try tinyPath()
        #expect {
            _ = try Engine(path: path, threads: 1, contextSize: 1 << 50)
        } throws: { error in
            "\(error)".contains("KV cache would take") && "\(error)".contains("lower the context size")
        }
        let e = try Engine(path: path, threads: 1, contextSize: 64)
        // One slot more than the machine's memory holds.
        let slots = Int(ProcessInfo.processInfo.physicalMemory) / KVCache.bytes(config: e.model.config, capacity: 64) + 1
        #expect(throws: SchedulerError.self) {
            _ = try Scheduler(engine: e, configuration: SchedulerConfiguration(parallel: slots, contextSize: 64))
        }
    }

    @Test func batchedPrefillMatchesTokenByToken() throws {
        let e = try Engine(path: try tinyPath(), threads: 2, contextSize: 64)
        let tokens: [Int32] = [5, 17, 99, 3, 250, 7, 8, 9]
        let batched = try logits(e, tokens)
        let cache = e.model.makeCache(capacity: 64)
        let v = e.model.config.vocabSize
        var one = [Float](repeating: 0, count: v)
        for (i, t) in tokens.enumerated() {
            try one.withUnsafeMutableBufferPointer { try e.model.forward(tokens: [t], cache: cache, logits: $0.baseAddress!, allLogits: true) }
            let row = Array(batched[i * v..<(i + 1) * v])
            let maxDiff = zip(row, one).map { abs($0 - $1) }.max()!
            #expect(maxDiff < 1e-3, "position \(i): \(maxDiff)")
        }
    }

    @Test func threadCountDoesNotChangeResults() throws {
        let p = try tinyPath()
        let a = try logits(try Engine(path: p, threads: 1, contextSize: 64), [1, 2, 3, 4, 5])
        let b = try logits(try Engine(path: p, threads: 3, contextSize: 64), [1, 2, 3, 4, 5])
        #expect(a == b)
    }

    @Test func promptOverTheContextIsAClearError() throws {
        let e = try Engine(path: try tinyPath(), threads: 1, contextSize: 16)
        #expect { try e.generate(prompt: [Int32](repeating: 5, count: 20), options: GenerationOptions()) } throws: { err in
            "\(err)".contains("20 tokens") && "\(err)".contains("16")
        }
        #expect { try e.generate(prompt: [], options: GenerationOptions()) } throws: { "\($0)".contains("empty") }
    }

    @Test func generationStopsAtTheContextEnd() throws {
        let e = try Engine(path: try tinyPath(), threads: 1, contextSize: 16)
        let r = try e.generate(prompt: [1, 2, 3, 4], options: GenerationOptions(maxTokens: 100))
        #expect(r.tokens.count <= 12)
    }

    @Test func outOfVocabularyTokenIsRejected() throws {
        let e = try Engine(path: try tinyPath(), threads: 1, contextSize: 16)
        #expect { try e.generate(prompt: [5, 100_000], options: GenerationOptions()) } throws: { "\($0)".contains("100000") }
    }

    @Test func missingTensorIsNamed() throws {
        var w = try TinyModel.make()
        let kept = w.tensors.filter { $0.name != "blk.1.ffn_up.weight" }
        var w2 = GGUFWriter()
        for (k, v) in w.metadata { w2.set(k, v) }
        for t in kept { try w2.addTensor(name: t.name, dims: t.dims, type: t.type, data: t.data) }
        w = w2
        let p = Fixtures.temporaryPath("missing.gguf")
        try w.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("blk.1.ffn_up.weight") }
    }

    @Test func badHyperparametersAreNamed() throws {
        var w = try TinyModel.make()
        w.set("llama.attention.head_count_kv", .uint32(3))
        let p = Fixtures.temporaryPath("badkv.gguf")
        try w.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("llama.attention.head_count_kv") }
        w.set("general.architecture", .string("mamba"))
        try w.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("'mamba' is not supported") }
    }

    @Test func wrongTensorShapeIsNamed() throws {
        var shape = TinyModel.Shape()
        shape.ffn = 128
        let w = try TinyModel.make(shape)
        var w2 = GGUFWriter()
        for (k, v) in w.metadata { w2.set(k, v) }
        w2.set("llama.feed_forward_length", .uint32(96))
        for t in w.tensors { try w2.addTensor(name: t.name, dims: t.dims, type: t.type, data: t.data) }
        let p = Fixtures.temporaryPath("shape.gguf")
        try w2.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("blk.0.ffn_gate.weight") }
    }

    @Test func tinyVocabularyMerges() throws {
        let e = try Engine(path: try tinyPath(), threads: 1)
        let ids = e.tokenize("the the<|endoftext|>")
        // Merges: "Ġ t", "h e", "Ġt he": " the" becomes one token, a leading "the" stays "t" + "he".
        #expect(e.tokenizer.decode(ids, special: true) == "the the<|endoftext|>")
        #expect(ids.last == e.tokenizer.eos)
        #expect(ids.contains(e.tokenizer.id(of: "Ġthe")!))
    }

    @Test func stopStringsEndGeneration() throws {
        let e = try Engine(path: try tinyPath(), threads: 1, contextSize: 64)
        let full = try e.generate(prompt: [1, 2, 3], options: GenerationOptions(maxTokens: 20))
        try #require(full.text.count > 4)
        let stop = String(full.text.dropFirst(2).prefix(2))
        var streamed = ""
        let cut = try e.generate(prompt: [1, 2, 3], options: GenerationOptions(maxTokens: 20, stop: [stop])) { streamed += $0 }
        #expect(cut.finishReason == .stop)
        #expect(!cut.text.contains(stop))
        #expect(streamed == cut.text)
        #expect(full.text.hasPrefix(cut.text))
    }
}
