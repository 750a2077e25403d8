import Foundation
import RooflineGGUF
import RooflineQuant

/// The small random-weight models of `scripts/reference/make_arch_reference.py`, built again here with the
/// same deterministic weights (counter-based splitmix64, no RNG library), so tests compare Roofline on them
/// against the llama.cpp outputs the script stored in `Tests/Fixtures/llamacpp/arch_<name>.json`.
public enum ArchModel {
    public struct Shape: Decodable, Sendable {
        public let layers, embd, heads, kv_heads, head_dim, ffn: Int
        public let rope_base: Double
        public let experts, experts_used, expert_ffn: Int?
    }

    public struct Fixture: Decodable {
        public struct Case: Decodable { public let prompt: String; public let prompt_tokens: [Int32]; public let tokens: [Int32]; public let min_top2_gap: Double }
        public struct Perplexity: Decodable { public let ctx: Int; public let perplexity: Double; public let chunks: Int }
        public struct TensorSum: Decodable { public let name: String; public let sum: Double; public let first: [Double] }
        public let architecture: String
        public let shape: Shape
        public let context_length: Int
        public let rms_eps: Double
        public let extra_uint32: [String: Int]
        public let extra_float32: [String: Double]
        public let extra_string: [String: String]?
        public let cases: [Case]
        public let perplexity: Perplexity
        public let tensors: [TensorSum]
    }

    /// `name`: the fixture's name (an architecture, or e.g. `llama_moe` for Mixtral-style llama).
    public static func fixture(_ name: String) throws -> Fixture {
        try Fixtures.decode(Fixture.self, "llamacpp/arch_\(name).json")
    }

    /// Value `i` of the `k`-th tensor, in [-1, 1): splitmix64's finalizer over a counter.
    static func uniform(_ k: Int, _ i: Int) -> Double {
        var z = ((UInt64(k + 1) << 32) &+ UInt64(i)) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1.0p-53 * 2 - 1
    }

    public enum Kind { case f16, f32, norm, mxfp4 }

    /// (name, GGUF dims, kind, scale) in the order the script writes them.
    public static func plan(_ arch: String, _ s: Shape, vocab: Int) -> [(String, [Int], Kind, Double)] {
        let e = s.embd, hd = s.head_dim, q = s.heads * hd, kv = s.kv_heads * hd
        let nExp = s.experts ?? 0, fx = s.expert_ffn ?? 0
        // Gemma ties the output to the embedding: a larger embedding scale peaks the logits instead.
        let gemma = arch == "gemma2" || arch == "gemma3"
        var p: [(String, [Int], Kind, Double)] = gemma
            ? [("token_embd.weight", [e, vocab], .f16, 4), ("output_norm.weight", [e], .norm, 0)]
            : [("token_embd.weight", [e, vocab], .f16, 1), ("output_norm.weight", [e], .norm, 0), ("output.weight", [e, vocab], .f16, 4)]
        for l in 0..<s.layers {
            let b = "blk.\(l)."
            p += [(b + "attn_norm.weight", [e], .norm, 0)]
            if arch == "phi3" {
                p += [(b + "attn_qkv.weight", [e, q + 2 * kv], .f32, 0.3)]
            } else {
                p += [(b + "attn_q.weight", [e, q], .f32, 0.3), (b + "attn_k.weight", [e, kv], .f32, 0.3), (b + "attn_v.weight", [e, kv], .f32, 0.3)]
            }
            if arch == "qwen2" || arch == "gpt-oss" {
                p += [(b + "attn_q.bias", [q], .f32, 0.5), (b + "attn_k.bias", [kv], .f32, 0.5), (b + "attn_v.bias", [kv], .f32, 0.5)]
            }
            if arch == "qwen3" || arch == "qwen3moe" || arch == "gemma3" {
                p += [(b + "attn_q_norm.weight", [hd], .norm, 0), (b + "attn_k_norm.weight", [hd], .norm, 0)]
            }
            p += [(b + "attn_output.weight", [q, e], .f32, 0.3)]
            if arch == "gpt-oss" {
                p += [(b + "attn_output.bias", [e], .f32, 0.5), (b + "attn_sinks.weight", [s.heads], .f32, 2),
                      (b + "post_attention_norm.weight", [e], .norm, 0),
                      (b + "ffn_gate_inp.weight", [e, nExp], .f32, 1), (b + "ffn_gate_inp.bias", [nExp], .f32, 0.5),
                      (b + "ffn_gate_exps.weight", [e, fx, nExp], .mxfp4, 0.3), (b + "ffn_gate_exps.bias", [fx, nExp], .f32, 0.5),
                      (b + "ffn_up_exps.weight", [e, fx, nExp], .mxfp4, 0.3), (b + "ffn_up_exps.bias", [fx, nExp], .f32, 0.5),
                      (b + "ffn_down_exps.weight", [fx, e, nExp], .mxfp4, 0.3), (b + "ffn_down_exps.bias", [e, nExp], .f32, 0.5)]
                continue
            }
            if gemma { p += [(b + "post_attention_norm.weight", [e], .norm, 8)] }
            p += [(b + "ffn_norm.weight", [e], .norm, 0)]
            if nExp > 0 {
                p += [(b + "ffn_gate_inp.weight", [e, nExp], .f32, 1), (b + "ffn_gate_exps.weight", [e, fx, nExp], .f32, 0.3),
                      (b + "ffn_up_exps.weight", [e, fx, nExp], .f32, 0.3), (b + "ffn_down_exps.weight", [fx, e, nExp], .f32, 0.3)]
            } else if arch == "phi3" {
                p += [(b + "ffn_up.weight", [e, 2 * s.ffn], .f32, 0.3)]  // gate rows, then up rows
            } else {
                p += [(b + "ffn_gate.weight", [e, s.ffn], .f32, 0.3), (b + "ffn_up.weight", [e, s.ffn], .f32, 0.3)]
            }
            if nExp == 0 { p += [(b + "ffn_down.weight", [s.ffn, e], .f32, 0.3)] }
            if gemma { p += [(b + "post_ffw_norm.weight", [e], .norm, 8)] }
        }
        return p
    }

    /// The model of `fixture`, with the tokenizer metadata (`tokenizer.*`) of `tokenizerFrom` (the default model).
    /// Returns the writer and, per tensor, the float64 sum of its stored values (to compare with the fixture's).
    /// `dropping`: tensor names and metadata keys (with the architecture prefix) left out, for malformed-model tests.
    public static func make(_ f: Fixture, tokenizerFrom source: GGUFFile, dropping: Set<String> = []) throws -> (GGUFWriter, [Double]) {
        let a = f.architecture, s = f.shape
        var w = GGUFWriter()
        w.set("general.architecture", .string(a))
        w.set("general.name", .string("roofline-random"))
        var ints = [("context_length", f.context_length), ("embedding_length", s.embd), ("block_count", s.layers),
                    ("feed_forward_length", s.ffn), ("attention.head_count", s.heads), ("attention.head_count_kv", s.kv_heads)]
        ints.append(("rope.dimension_count", s.head_dim))
        if let n = s.experts, let used = s.experts_used {
            ints += [("expert_count", n), ("expert_used_count", used)]
            if a == "qwen3moe" || a == "gpt-oss", let fx = s.expert_ffn { ints.append(("expert_feed_forward_length", fx)) }
        }
        if s.head_dim * s.heads != s.embd { ints += [("attention.key_length", s.head_dim), ("attention.value_length", s.head_dim)] }
        for (k, v) in ints { w.set("\(a).\(k)", .uint32(UInt32(v))) }
        for (k, v) in f.extra_uint32 { w.set("\(a).\(k)", .uint32(UInt32(v))) }
        for (k, v) in f.extra_float32 { w.set("\(a).\(k)", .float32(Float(v))) }
        for (k, v) in f.extra_string ?? [:] { w.set("\(a).\(k)", .string(v)) }
        w.set("\(a).rope.freq_base", .float32(Float(s.rope_base)))
        w.set("\(a).attention.layer_norm_rms_epsilon", .float32(Float(f.rms_eps)))
        for k in source.metadataKeys where k.hasPrefix("tokenizer.") {
            if let v = source.metadata[k] { w.set(k, v) }
        }
        let vocab = source.tensor("token_embd.weight")?.dims.last ?? 0
        var sums: [Double] = []
        for k in dropping { w.remove(k) }
        for (k, (name, dims, kind, scale)) in plan(a, s, vocab: vocab).enumerated() where !dropping.contains(name) {
            let n = dims.reduce(1, *)
            let v = (0..<n).map { i -> Float in
                let u = uniform(k, i)
                return Float(kind == .norm ? (1 + 0.1 * u) * (scale == 0 ? 1 : scale) : u * scale)
            }
            if kind == .mxfp4 {
                // Roofline's MXFP4 quantizer is byte-identical to gguf.quants' (QuantVectorTests); the sum is of the
                // dequantized values, as the script records it.
                let bytes = try Quantizer.quantize(v, to: .mxfp4)
                let back = bytes.withUnsafeBytes { TensorKernels.dequantize(.mxfp4, $0.baseAddress!, count: n) ?? [] }
                sums.append(back.reduce(0) { $0 + Double($1) })
                try w.addTensor(name: name, dims: dims, type: .mxfp4, data: bytes)
            } else if kind == .f16 {
                let half = v.map { Float(Float16($0)) }
                sums.append(half.reduce(0) { $0 + Double($1) })
                try w.addTensor(name: name, dims: dims, type: .f16, data: Quantizer.quantize(v, to: .f16))
            } else {
                sums.append(v.reduce(0) { $0 + Double($1) })
                try w.addTensor(name: name, dims: dims, floats: v)
            }
        }
        return (w, sums)
    }
}
