import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineModel
import RooflineTestSupport

/// The architecture registry and the metadata checks: every malformed case is an error naming what is wrong.
@Suite struct ArchitectureRegistryTests {
    /// The tiny Llama test model re-labelled as `arch` (keys `arch.*`), with the tensors that family requires.
    func tiny(_ arch: String, dropping: Set<String> = [], extra: (inout GGUFWriter) throws -> Void = { _ in }) throws -> GGUFWriter {
        let base = try TinyModel.make()
        var w = GGUFWriter()
        for (k, v) in base.metadata where !dropping.contains(k) {
            w.set(k.hasPrefix("llama.") ? arch + k.dropFirst(5) : k, k == "general.architecture" ? .string(arch) : v)
        }
        for t in base.tensors where !dropping.contains(t.name) { try w.addTensor(name: t.name, dims: t.dims, type: t.type, data: t.data) }
        if arch == "qwen3" || arch == "qwen3moe" || arch == "gemma3" {
            for l in 0..<2 {
                for n in ["attn_q_norm.weight", "attn_k_norm.weight"] where !dropping.contains("blk.\(l).\(n)") {
                    try w.addTensor(name: "blk.\(l).\(n)", dims: [16], floats: [Float](repeating: 1, count: 16))
                }
            }
        }
        if arch == "qwen2" {
            // llama.cpp's qwen2 requires the Q/K/V biases.
            for l in 0..<2 {
                for n in ["attn_q", "attn_k", "attn_v"] where !dropping.contains("blk.\(l).\(n).bias") {
                    let rows = try #require(base.tensors.first { $0.name == "blk.\(l).\(n).weight" }).dims[1]
                    try w.addTensor(name: "blk.\(l).\(n).bias", dims: [rows], floats: [Float](repeating: 0, count: rows))
                }
            }
        }
        if arch.hasPrefix("gemma") {
            for l in 0..<2 {
                for n in ["post_attention_norm.weight", "post_ffw_norm.weight"] where !dropping.contains("blk.\(l).\(n)") {
                    try w.addTensor(name: "blk.\(l).\(n)", dims: [64], floats: [Float](repeating: 1, count: 64))
                }
            }
        }
        try extra(&w)
        return w
    }

    func loadError(_ w: GGUFWriter) throws -> String? {
        let p = Fixtures.temporaryPath("arch.gguf")
        try w.write(to: p)
        defer { try? FileManager.default.removeItem(atPath: p) }
        do {
            _ = try Engine(path: p, threads: 1, contextSize: 16)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func registryNamesTheFamilies() throws {
        #expect(Set(ModelArchitecture.registry.keys) == ["llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "qwen3moe", "gpt-oss", "granite"])
        #expect(try ModelArchitecture.named("qwen2").ropeStyle == .neox)
        #expect(try ModelArchitecture.named("llama").ropeStyle == .normal)
        #expect(try ModelArchitecture.named("qwen3").tensor(.qNorm) != nil)
        for arch in ["llama", "qwen2", "qwen3", "gemma2", "gemma3"] { #expect(try loadError(tiny(arch)) == nil, "\(arch) loads") }
    }

    /// A layer is loaded by its family's declarations: a declared tensor that is required is named when missing,
    /// and a tensor the family does not declare is refused, as llama.cpp's loader does.
    @Test func layersFollowTheirDeclarations() throws {
        let noBiases = try #require(try loadError(tiny("qwen2", dropping: ["blk.1.attn_q.bias", "blk.1.attn_k.bias", "blk.1.attn_v.bias"])))
        #expect(noBiases.contains("blk.1.attn_q.bias"), "\(noBiases)")
        let oneBias = try #require(try loadError(tiny("qwen2", dropping: ["blk.0.attn_v.bias"])))
        #expect(oneBias.contains("blk.0.attn_v.bias"), "\(oneBias)")
        let stray = try #require(try loadError(tiny("qwen3") { w in
            try w.addTensor(name: "blk.0.attn_output.bias", dims: [64], floats: [Float](repeating: 0, count: 64))
        }))
        #expect(stray.contains("blk.0.attn_output.bias") && stray.contains("qwen3"), "\(stray)")
        #expect(try loadError(tiny("llama") { w in
            try w.addTensor(name: "blk.0.attn_output.bias", dims: [64], floats: [Float](repeating: 0, count: 64))
        }) == nil, "llama declares an optional output bias")
        // The importer reads the same declarations.
        #expect(ModelArchitecture.forHuggingFace("MixtralForCausalLM")?.name == "llama")
        #expect(ModelArchitecture.forHuggingFace("GPT2LMHeadModel") == nil)
        for a in ModelArchitecture.registry.values {
            #expect(!a.huggingFace.classes.isEmpty && a.tensor(.attnNorm) != nil && a.tensor(.ffnNorm) != nil, "\(a.name)")
        }
    }

    /// Granite's logit scale is required (llama.cpp reads it without a default) and must be non-zero; the other
    /// multipliers are optional.
    @Test func graniteNeedsItsLogitScale() throws {
        let missing = try #require(try loadError(tiny("granite")))
        #expect(missing.contains("granite.logit_scale"), "\(missing)")
        #expect(try loadError(tiny("granite") { $0.set("granite.logit_scale", .float32(8)) }) == nil)
        let zero = try #require(try loadError(tiny("granite") { $0.set("granite.logit_scale", .float32(0)) }))
        #expect(zero.contains("granite.logit_scale"), "\(zero)")
        let bad = try #require(try loadError(tiny("granite") {
            $0.set("granite.logit_scale", .float32(8))
            $0.set("granite.residual_scale", .float32(.nan))
        }))
        #expect(bad.contains("granite.residual_scale"), "\(bad)")
    }

    @Test func unknownArchitectureIsNamedWithTheSupportedOnes() throws {
        let e = try #require(try loadError(tiny("mamba")))
        #expect(e.contains("'mamba'") && e.contains("llama") && e.contains("qwen2") && e.contains("qwen3"), "\(e)")
    }

    @Test(arguments: ["block_count", "embedding_length", "feed_forward_length", "attention.head_count",
                      "context_length", "attention.layer_norm_rms_epsilon"])
    func missingRequiredKeyIsNamed(key: String) throws {
        let e = try #require(try loadError(tiny("qwen2", dropping: ["llama." + key])))
        #expect(e.contains("'qwen2.\(key)'") && e.contains("missing"), "\(e)")
    }

    @Test func wrongKeyTypeIsNamed() throws {
        let e = try #require(try loadError(tiny("qwen2") { $0.set("qwen2.block_count", .string("two")) }))
        #expect(e.contains("qwen2.block_count") && e.contains("integer"), "\(e)")
    }

    @Test func inconsistentHyperparametersAreNamed() throws {
        let cases: [(String, (inout GGUFWriter) -> Void, [String])] = [
            ("qwen2", { $0.set("qwen2.vocab_size", .uint32(301)) }, ["qwen2.vocab_size", "token_embd.weight", "300"]),
            ("qwen2", { $0.set("qwen2.attention.head_count", .uint32(5)) }, ["qwen2.attention.head_count", "64"]),
            ("qwen2", { $0.set("qwen2.attention.head_count_kv", .uint32(3)) }, ["qwen2.attention.head_count_kv"]),
            ("qwen3", { $0.set("qwen3.attention.value_length", .uint32(8)) }, ["qwen3.attention.value_length"]),
            ("qwen2", { $0.set("qwen2.rope.dimension_count", .uint32(8)) }, ["qwen2.rope.dimension_count", "16"]),
            ("qwen3", { $0.set("qwen3.attention.layer_norm_rms_epsilon", .float32(-1)) }, ["qwen3.attention.layer_norm_rms_epsilon"]),
            ("gemma2", { $0.set("gemma2.attn_logit_softcapping", .float32(-5)) }, ["gemma2.attn_logit_softcapping"]),
            ("gemma2", { $0.set("gemma2.attention.sliding_window", .uint32(0)) }, ["gemma2.attention.sliding_window"]),
            ("gemma2", { $0.set("gemma2.attention.sliding_window_pattern", .array(.bool, [.bool(true)])) }, ["gemma2.attention.sliding_window_pattern", "1 entries"]),
        ]
        for (arch, edit, words) in cases {
            let e = try #require(try loadError(tiny(arch) { edit(&$0) }))
            #expect(words.allSatisfy { e.contains($0) }, "\(e) should name \(words)")
        }
    }

    @Test func qwen3WithoutQKNormsIsNamed() throws {
        let e = try #require(try loadError(tiny("qwen3", dropping: ["blk.1.attn_k_norm.weight"])))
        #expect(e.contains("blk.1.attn_k_norm.weight"), "\(e)")
        let bad = try #require(try loadError(tiny("qwen3", dropping: ["blk.0.attn_q_norm.weight"]) {
            try $0.addTensor(name: "blk.0.attn_q_norm.weight", dims: [8], floats: [Float](repeating: 1, count: 8))
        }))
        #expect(bad.contains("blk.0.attn_q_norm.weight") && bad.contains("[8]"), "\(bad)")
    }

    @Test func phi3FusedTensorsAreCheckedByShape() throws {
        // The tiny model's ffn_up has feed_forward_length rows; phi3 wants gate and up fused (twice as many).
        let e = try #require(try loadError(tiny("phi3")))
        #expect(e.contains("blk.0.ffn_up.weight") && e.contains("[64, 192]"), "\(e)")
        let qkv = try #require(try loadError(tiny("llama") {
            try $0.addTensor(name: "blk.0.attn_qkv.weight", dims: [64, 64], floats: [Float](repeating: 0, count: 64 * 64))
        }))
        #expect(qkv.contains("blk.0.attn_qkv.weight") && qkv.contains("[64, 128]"), "\(qkv)")
        let longRope = try #require(try loadError(tiny("llama") {
            try $0.addTensor(name: "rope_factors_long.weight", dims: [8], floats: [Float](repeating: 1, count: 8))
        }))
        #expect(longRope.contains("rope_factors_long.weight") && longRope.contains("LongRoPE"), "\(longRope)")
    }

    @Test func gemmaWithoutPostOrQKNormsIsNamed() throws {
        let e = try #require(try loadError(tiny("gemma2", dropping: ["blk.1.post_ffw_norm.weight"])))
        #expect(e.contains("blk.1.post_ffw_norm.weight"), "\(e)")
        let g3 = try #require(try loadError(tiny("gemma3", dropping: ["blk.0.attn_q_norm.weight"])))
        #expect(g3.contains("blk.0.attn_q_norm.weight"), "\(g3)")
    }

    /// The tiny llama model with its dense FFN replaced by `n` experts (`used` per token).
    func tinyExperts(_ arch: String, n: Int = 4, used: Int = 2, gateDims: [Int]? = nil) throws -> GGUFWriter {
        let dense = (0..<2).flatMap { l in ["ffn_gate", "ffn_up", "ffn_down"].map { "blk.\(l).\($0).weight" } }
        return try tiny(arch, dropping: Set(dense)) { w in
            w.set("\(arch).expert_count", .uint32(UInt32(n)))
            w.set("\(arch).expert_used_count", .uint32(UInt32(used)))
            w.set("\(arch).expert_feed_forward_length", .uint32(96))
            for l in 0..<2 {
                let p = "blk.\(l)."
                try w.addTensor(name: p + "ffn_gate_inp.weight", dims: [64, n], floats: [Float](repeating: 0.1, count: 64 * n))
                let gd = gateDims ?? [64, 96, n]
                try w.addTensor(name: p + "ffn_gate_exps.weight", dims: gd, floats: [Float](repeating: 0.01, count: gd.reduce(1, *)))
                try w.addTensor(name: p + "ffn_up_exps.weight", dims: [64, 96, n], floats: [Float](repeating: 0.01, count: 64 * 96 * n))
                try w.addTensor(name: p + "ffn_down_exps.weight", dims: [96, 64, n], floats: [Float](repeating: 0.01, count: 96 * 64 * n))
            }
        }
    }

    @Test func expertMetadataAndTensorsAreChecked() throws {
        #expect(try loadError(tinyExperts("qwen3moe")) == nil)
        #expect(try loadError(tinyExperts("llama")) == nil, "Mixtral-style llama")
        let used = try #require(try loadError(tinyExperts("qwen3moe", used: 5)))
        #expect(used.contains("qwen3moe.expert_used_count"), "\(used)")
        let shape = try #require(try loadError(tinyExperts("qwen3moe", gateDims: [64, 96, 3])))
        #expect(shape.contains("blk.0.ffn_gate_exps.weight") && shape.contains("[64, 96, 4]"), "\(shape)")
        let noCount = try #require(try loadError(tiny("qwen3moe")))
        #expect(noCount.contains("qwen3moe.expert_count"), "\(noCount)")
        let gemma = try #require(try loadError(tiny("gemma2") { $0.set("gemma2.expert_count", .uint32(4)) }))
        #expect(gemma.contains("gemma2.expert_count") && gemma.contains("not supported"), "\(gemma)")
    }

    /// gpt-oss's required keys and tensors (llama.cpp loads them without TENSOR_NOT_REQUIRED), and YaRN's metadata.
    @Test(arguments: ["gpt-oss.attention.sliding_window", "gpt-oss.expert_count", "blk.1.attn_sinks.weight", "blk.0.attn_output.bias",
                      "blk.0.post_attention_norm.weight", "blk.0.ffn_gate_inp.bias", "blk.1.ffn_up_exps.bias", "blk.0.ffn_down_exps.bias"])
    func gptOssMissingPiecesAreNamed(piece: String) throws {
        let source = try GGUFFile(path: try #require(DefaultModel.path, "the default model (for its vocabulary) is missing"))
        let f = try ArchModel.fixture("gpt-oss")
        #expect(try loadError(ArchModel.make(f, tokenizerFrom: source).0) == nil)
        let e = try #require(try loadError(ArchModel.make(f, tokenizerFrom: source, dropping: [piece]).0))
        #expect(e.contains(piece), "\(e)")
    }

    @Test func yarnMetadataIsChecked() throws {
        let source = try GGUFFile(path: try #require(DefaultModel.path))
        var (w, _) = try ArchModel.make(ArchModel.fixture("gpt-oss"), tokenizerFrom: source)
        w.set("gpt-oss.rope.scaling.factor", .float32(-2))
        #expect(try loadError(w)?.contains("gpt-oss.rope.scaling.factor") == true)
        w.set("gpt-oss.rope.scaling.factor", .float32(8))
        w.set("gpt-oss.rope.scaling.original_context_length", .uint32(0))
        #expect(try loadError(w)?.contains("gpt-oss.rope.scaling.original_context_length") == true)
        w.set("gpt-oss.rope.scaling.original_context_length", .uint32(64))
        w.set("gpt-oss.rope.scaling.type", .string("longrope"))
        let e = try loadError(w) ?? ""
        #expect(e.contains("longrope") && e.contains("yarn"), "\(e)")
    }

    @Test func partialQKVBiasesAreNamed() throws {
        let e = try #require(try loadError(tiny("llama") {
            try $0.addTensor(name: "blk.0.attn_q.bias", dims: [64], floats: [Float](repeating: 0.1, count: 64))
        }))
        #expect(e.contains("blk.0.attn_k.bias"), "\(e)")
        let wrong = try #require(try loadError(tiny("llama") {
            for n in ["q", "k", "v"] { try $0.addTensor(name: "blk.0.attn_\(n).bias", dims: [64], floats: [Float](repeating: 0.1, count: 64)) }
        }))
        #expect(wrong.contains("blk.0.attn_k.bias") && wrong.contains("[64]"), "\(wrong)")
    }
}
