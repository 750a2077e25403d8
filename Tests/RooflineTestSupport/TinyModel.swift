import Foundation
import RooflineGGUF
import RooflineQuant

/// Builds small random-weight Llama GGUF files with a byte-level vocabulary, for tests that need a model
/// without the default one.
public enum TinyModel {
    public struct Shape {
        public var layers = 2, embd = 64, ffn = 96, heads = 4, kvHeads = 2, vocab = 300, context = 128
        public var weightType: GGMLType = .q8_0
        public var tiedOutput = true
        /// A chat template; with `harmony`, gpt-oss's special tokens join the vocabulary (as control tokens, as
        /// gpt-oss's GGUFs type them) and `<|return|>` ends generation.
        public var chatTemplate: String? = nil
        public var harmony = false
        public init() {}
    }

    /// Writes a float32 tiny model with a separate output matrix (a lossless quantization source) to a
    /// temporary file named `name`, and returns its path.
    public static func writeF32(name: String = "tiny-f32.gguf") throws -> String {
        var shape = Shape()
        shape.weightType = .f32
        shape.tiedOutput = false
        let p = Fixtures.temporaryPath(name)
        try make(shape).write(to: p)
        return p
    }

    /// A complete GGUF (bytes) for `shape`, weights from `seed`.
    public static func make(_ shape: Shape = Shape(), seed: UInt64 = 1) throws -> GGUFWriter {
        var rng = TestRandom(seed: seed)
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("general.name", .string("tiny-test"))
        w.set("llama.block_count", .uint32(UInt32(shape.layers)))
        w.set("llama.context_length", .uint32(UInt32(shape.context)))
        w.set("llama.embedding_length", .uint32(UInt32(shape.embd)))
        w.set("llama.feed_forward_length", .uint32(UInt32(shape.ffn)))
        w.set("llama.attention.head_count", .uint32(UInt32(shape.heads)))
        w.set("llama.attention.head_count_kv", .uint32(UInt32(shape.kvHeads)))
        w.set("llama.rope.freq_base", .float32(10000))
        w.set("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        w.set("llama.vocab_size", .uint32(UInt32(shape.vocab)))
        // A byte-level BPE vocabulary: 256 byte tokens, a few merges, then control tokens.
        var tokens: [GGUFValue] = []
        var types: [GGUFValue] = []
        let byteChars = (0..<256).map { b -> String in
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            var n = 0
            if !printable { n = (0..<b).filter { !((0x21...0x7E).contains($0) || (0xA1...0xAC).contains($0) || (0xAE...0xFF).contains($0)) }.count }
            return String(Unicode.Scalar(printable ? UInt32(b) : 256 + UInt32(n))!)
        }
        for c in byteChars { tokens.append(.string(c)); types.append(.int32(1)) }
        let merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a"]
        for m in merges { tokens.append(.string(m.replacingOccurrences(of: " ", with: ""))); types.append(.int32(1)) }
        tokens.append(.string("<|endoftext|>")); types.append(.int32(3))
        var eos = 256 + merges.count
        if shape.harmony {
            for t in ["<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|constrain|>", "<|call|>", "<|return|>"] {
                tokens.append(.string(t)); types.append(.int32(3))
            }
            eos = tokens.count - 1
        }
        while tokens.count < shape.vocab { tokens.append(.string("<unused\(tokens.count)>")); types.append(.int32(5)) }
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("gpt2"))
        w.set("tokenizer.ggml.tokens", .array(.string, tokens))
        w.set("tokenizer.ggml.token_type", .array(.int32, types))
        w.set("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) }))
        w.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(eos)))
        if let t = shape.chatTemplate { w.set("tokenizer.chat_template", .string(t)) }
        w.set("tokenizer.ggml.add_bos_token", .bool(false))

        func add(_ name: String, _ cols: Int, _ rows: Int, type: GGMLType, scale: Float) throws {
            let v = rng.floats(cols * rows, scale: scale)
            try w.addTensor(name: name, dims: rows == 1 ? [cols] : [cols, rows], type: type, data: Quantizer.quantize(v, to: type))
        }
        let hd = shape.embd / shape.heads
        try add("token_embd.weight", shape.embd, shape.vocab, type: shape.weightType, scale: 1)
        try w.addTensor(name: "output_norm.weight", dims: [shape.embd], floats: (0..<shape.embd).map { _ in 1 + rng.unit() * 0.1 })
        if !shape.tiedOutput { try add("output.weight", shape.embd, shape.vocab, type: shape.weightType, scale: 0.2) }
        for l in 0..<shape.layers {
            let p = "blk.\(l)."
            try w.addTensor(name: p + "attn_norm.weight", dims: [shape.embd], floats: (0..<shape.embd).map { _ in 1 + rng.unit() * 0.1 })
            try add(p + "attn_q.weight", shape.embd, shape.heads * hd, type: shape.weightType, scale: 0.2)
            try add(p + "attn_k.weight", shape.embd, shape.kvHeads * hd, type: shape.weightType, scale: 0.2)
            try add(p + "attn_v.weight", shape.embd, shape.kvHeads * hd, type: shape.weightType, scale: 0.2)
            try add(p + "attn_output.weight", shape.heads * hd, shape.embd, type: shape.weightType, scale: 0.2)
            try w.addTensor(name: p + "ffn_norm.weight", dims: [shape.embd], floats: (0..<shape.embd).map { _ in 1 + rng.unit() * 0.1 })
            try add(p + "ffn_gate.weight", shape.embd, shape.ffn, type: shape.weightType, scale: 0.2)
            try add(p + "ffn_up.weight", shape.embd, shape.ffn, type: shape.weightType, scale: 0.2)
            try add(p + "ffn_down.weight", shape.ffn, shape.embd, type: shape.weightType, scale: 0.2)
        }
        return w
    }
}
