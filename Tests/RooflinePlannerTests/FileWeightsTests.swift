import Foundation
import Testing
import RooflineGGUF
import RooflinePlanner

/// A GGUF file planned by the bytes its tensors take (a mixed file such as llama.cpp's Q4_K_M), checked against sums
/// done by hand on a synthetic file.
struct FileWeightsTests {
    /// One layer, hidden 256, 2 heads of 128 sharing 1 KV head, FFN 256, vocab 4; weights as a Q4_K_M file stores
    /// them: Q4_K for Q, K, O, gate and up, Q6_K for V and FFN down, the embedding Q8_0 and an untied head Q6_K.
    /// ggml sizes (ggml-common.h): Q4_K 144 bytes per 256 weights, Q6_K 210 per 256, Q8_0 34 per 32.
    static func writeMixedFile(tiedHead: Bool = false) throws -> String {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("llama.block_count", .uint32(1))
        w.set("llama.embedding_length", .uint32(256))
        w.set("llama.attention.head_count", .uint32(2))
        w.set("llama.attention.head_count_kv", .uint32(1))
        w.set("llama.feed_forward_length", .uint32(256))
        w.set("tokenizer.ggml.tokens", .array(.string, (0..<4).map { .string("t\($0)") }))
        func add(_ name: String, _ dims: [Int], _ type: GGMLType) throws {
            try w.addTensor(name: name, dims: dims, type: type, data: [UInt8](repeating: 0, count: type.byteCount(dims: dims)!))
        }
        try add("token_embd.weight", [256, 4], .q8_0)
        if !tiedHead { try add("output.weight", [256, 4], .q6_K) }
        try w.addTensor(name: "blk.0.attn_norm.weight", dims: [256], floats: [Float](repeating: 1, count: 256))
        try add("blk.0.attn_q.weight", [256, 256], .q4_K)
        try add("blk.0.attn_k.weight", [256, 128], .q4_K)
        try add("blk.0.attn_v.weight", [256, 128], .q6_K)
        try add("blk.0.attn_output.weight", [256, 256], .q4_K)
        try add("blk.0.ffn_gate.weight", [256, 256], .q4_K)
        try add("blk.0.ffn_up.weight", [256, 256], .q4_K)
        try add("blk.0.ffn_down.weight", [256, 256], .q6_K)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("planner-mix-\(UUID().uuidString).gguf").path
        try w.write(to: path)
        return path
    }

    @Test func aMixedFileIsPricedTensorByTensor() throws {
        let path = try Self.writeMixedFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let m = try ModelDescription.resolve(path)
        // Layer matrices: Q 65,536 + K 32,768 + V 32,768 + O 65,536 + FFN 3 · 65,536 = 393,216 weights, as counted.
        #expect(m.totalParams - m.embeddingParams == 393_216)
        // Q4_K: (65,536 + 32,768 + 65,536 + 65,536 + 65,536) · 144/256 = 165,888 bytes; Q6_K: (32,768 + 65,536) · 210/256
        // = 80,640; together 246,528 bytes, 0.626953125 bytes per weight. The norm (one dimension) is left out.
        let f = try #require(m.fileWeights)
        #expect(f.layerBytes == 246_528 && f.layerElements == 393_216)
        #expect(f.layerBytesByType == ["Q4_K": 165_888, "Q6_K": 80_640])
        #expect(m.layerBytesPerWeight(.q4_k) == 0.626953125)
        #expect(f.mixDescription == "Q4_K 67%, Q6_K 33%")
        // Q4_K holds the most bytes, so it is the file's type; planned at it, the step reads the mix's bytes plus the
        // Q6_K head (4 · 256 · 210/256 = 840 bytes): 247,368.
        #expect(m.filePrecision == .q4_k && m.embeddingPrecision == .q6_k)
        let p = Precisions(weights: .q4_k, kvCache: .fp16, activations: .fp32)
        #expect(m.decodeStep(batch: 1, context: 8, precisions: p).weightBytes == 247_368)
        #expect(m.prefill(prompt: 16, precisions: p).weightBytes == 247_368)
        // Resident: layers 246,528 + the Q8_0 embedding (1,024 · 34/32 = 1,088) + the head 840 = 248,456.
        #expect(m.weightBytes(.q4_k) == 248_456)
        // Q4_K alone would be 393,216 · 144/256 = 221,184 bytes for the layers: the mix is 11.5% more.
        #expect(Precision.q4_k.bytesPerElement * 393_216 == 221_184)
        // Another precision asked for prices the layers at its own size (the head keeps its Q6_K): Q4_0 18/32.
        #expect(m.decodeStep(batch: 1, context: 8, precisions: Precisions(weights: .q4_0)).weightBytes == 221_184 + 840)
        #expect(m.weightBytes(.bf16) == 786_432 + 2 * 840)  // embedding and head both at the head's type, as before
    }

    @Test func aTiedHeadReadsTheEmbeddingsBytes() throws {
        let path = try Self.writeMixedFile(tiedHead: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let m = try ModelDescription.resolve(path)
        #expect(m.tiedEmbeddings && m.embeddingPrecision == .q8_0)
        // Layers 246,528 + the Q8_0 embedding read as the head, 1,088; stored once.
        #expect(m.decodeStep(batch: 1, context: 8, precisions: Precisions(weights: .q4_k)).weightBytes == 247_616)
        #expect(m.weightBytes(.q4_k) == 247_616)
    }

    @Test func kQuantSizesAreGgmls() throws {
        // Bytes per 256-weight super-block (ggml-common.h): Q2_K 84, Q3_K 110, Q4_K 144, Q5_K 176, Q6_K 210;
        // Q5_0 22 and Q5_1 24 per 32.
        let sizes: [(Precision, Double)] = [(.q2_k, 84), (.q3_k, 110), (.q4_k, 144), (.q5_k, 176), (.q6_k, 210)]
        for (p, bytes) in sizes { #expect(p.bytesPerElement * 256 == bytes) }
        #expect(Precision.q5_0.bytesPerElement * 32 == 22 && Precision.q5_1.bytesPerElement * 32 == 24)
        for t in [GGMLType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q5_0, .q5_1] {
            let p = Precision(ggml: t)
            #expect(p.map { $0.bytesPerElement * Double(t.blockSize) } == Double(t.typeSize), "\(t)")
        }
        #expect(try Precision.parse("Q4_K") == .q4_k)
        // K-quants dot against 8-bit activations: the calibrated row's rate is an integer one.
        #expect(Calibration.measuredFormat(.q4_k) == .int8 && Calibration.measuredFormat(.q6_k) == .int8)
    }

    @Test func aMixedFileCalibratesWithoutAPrecision() throws {
        let path = try Self.writeMixedFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let m = try ModelDescription.resolve(path)
        let p = Precisions(weights: try #require(m.filePrecision), kvCache: .fp16, activations: .fp32)
        let (chip, _) = try Calibration.fit(CalibrationTests.measurement, model: m, precisions: p)
        // The memory fraction is the measured decode over the bytes the planner counts for it: the mix's.
        let bytes = m.decodeStep(batch: 1, context: 24, precisions: p).bytes
        #expect(abs((chip.memoryEfficiency ?? 0) - bytes * 150 / 20e9) < 1e-15)
        #expect(bytes > 247_368)
        let back = try Calibration.predict(on: chip, model: m, precisions: p, prompt: 64, context: 24)
        #expect(abs((back.decode ?? 0) - 150) < 1e-6)
    }
}
