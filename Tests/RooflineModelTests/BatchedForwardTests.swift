import Testing
import RooflineEngine
import RooflineModel
import RooflineTestSupport

/// Several sequences in one forward pass give exactly what each gives alone (the property continuous
/// batching relies on: a user's text does not depend on who else is being served).
@Suite(.serialized) struct BatchedForwardTests {
    func greedyAlone(_ m: Transformer, _ prompt: [Int32], steps: Int) throws -> (tokens: [Int32], logits: [[Float]]) {
        let v = m.config.vocabSize
        let cache = m.makeCache(capacity: 128)
        var out = [Float](repeating: 0, count: v)
        var tokens: [Int32] = []
        var rows: [[Float]] = []
        var next = prompt
        for _ in 0...steps {
            try out.withUnsafeMutableBufferPointer { try m.forward(tokens: next, cache: cache, logits: $0.baseAddress!, allLogits: false) }
            rows.append(out)
            let t = Int32(out.indices.max { out[$0] < out[$1] }!)
            tokens.append(t)
            next = [t]
        }
        return (tokens, rows)
    }

    /// 3 sequences run the four-row and 4×4 tile kernels; 11 also the eight-column kernels (8 + a remainder of 3),
    /// and their mixed-length prompts go through the packed path in prefill.
    @Test(arguments: [3, 11]) func batchedEqualsAloneBitForBit(sequences: Int) throws {
        let e = try #require(DefaultModel.engine)
        let m = e.model
        let texts = ["The capital of France is", "Once upon a time, in a land far away,", "def fibonacci(n):", "Roses are red,",
                     "The memory wall", "1, 2, 3,", "In 1969, the first", "Dear Sir or Madam,", "SELECT * FROM", "The quick brown fox",
                     "Photosynthesis is the process"]
        let prompts = texts.prefix(sequences).map { e.tokenize($0) }
        let alone = try prompts.map { try greedyAlone(m, $0, steps: 6) }
        let v = m.config.vocabSize
        let caches = prompts.map { _ in m.makeCache(capacity: 128) }
        var out = [Float](repeating: 0, count: prompts.count * v)
        var next = prompts
        for step in 0...6 {
            let batch = zip(next, caches).map { Transformer.BatchEntry(tokens: $0, cache: $1) }
            try out.withUnsafeMutableBufferPointer { try m.forward(batch: batch, logits: $0.baseAddress!) }
            for k in prompts.indices {
                let row = Array(out[k * v..<(k + 1) * v])
                #expect(row == alone[k].logits[step], "sequence \(k), step \(step)")
                let t = Int32(row.indices.max { row[$0] < row[$1] }!)
                #expect(t == alone[k].tokens[step])
                next[k] = [t]
            }
        }
    }

    @Test func batchErrorsAreClear() throws {
        let e = try #require(DefaultModel.engine)
        let m = e.model
        let c = m.makeCache(capacity: 4)
        var out = [Float](repeating: 0, count: 2 * m.config.vocabSize)
        #expect(throws: ModelError.self) {
            try out.withUnsafeMutableBufferPointer { try m.forward(batch: [.init(tokens: [1, 2], cache: c), .init(tokens: [3], cache: c)], logits: $0.baseAddress!) }
        }
        #expect { try out.withUnsafeMutableBufferPointer { try m.forward(batch: [.init(tokens: [1, 2, 3, 4, 5], cache: c)], logits: $0.baseAddress!) } } throws: { "\($0)".contains("5") }
    }
}
