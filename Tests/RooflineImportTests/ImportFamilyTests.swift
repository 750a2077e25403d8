import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineImport
import RooflineQuant
import RooflineTestSupport

/// Hugging Face folders of every family beyond Llama/Qwen2/Qwen3, run from the folder against llama.cpp run on
/// the GGUF: the random-weight architecture models (ArchModel, the weights of make_arch_reference.py) are
/// exported by scripts/reference/make_hf_checkpoint.py as each family's checkpoints store them (Phi-3's fused
/// or separate projections, Gemma's norms minus 1, experts one tensor per expert, Mixtral's w1/w2/w3, a
/// Mistral config with a sliding window), imported by Roofline, and must give llama.cpp's greedy tokens and
/// perplexity from the fixtures (Tests/Fixtures/llamacpp/arch_*.json).
@Suite(.serialized) struct ImportFamilyTests {
    /// "fixture" or "fixture:variant" (split: separate q/k/v and gate/up; mistral: MistralForCausalLM with a
    /// sliding_window of 4, which llama.cpp's converter drops) → the `architectures` entry the folder must carry.
    /// gpt-oss's folder holds its experts as published: MXFP4 `*_blocks`/`*_scales`, gate and up interleaved.
    static let cases: [String: String] = [
        "phi3": "Phi3ForCausalLM", "phi3:split": "Phi3ForCausalLM", "gemma2": "Gemma2ForCausalLM", "gemma3": "Gemma3ForCausalLM",
        "qwen3moe": "Qwen3MoeForCausalLM", "llama_moe": "MixtralForCausalLM", "llama:mistral": "MistralForCausalLM",
        "gpt-oss": "GptOssForCausalLM", "granite": "GraniteForCausalLM",
    ]

    /// The fixture's GGUF (built here) and the folder the script exports from it (`keepTypes`: F16 tensors stay
    /// F16; else every weight is written as F32).
    func export(_ name: String, _ variant: String?, keepTypes: Bool = true) throws -> (gguf: String, folder: String) {
        _ = try ImportTests.folder.get()  // the Python libraries
        let source = try GGUFFile(path: try #require(DefaultModel.path))
        let (w, _) = try ArchModel.make(try ArchModel.fixture(name), tokenizerFrom: source)
        let gguf = Fixtures.temporaryPath("\(name).gguf")
        try w.write(to: gguf)
        let dir = Fixtures.temporaryPath("\(name)-hf")
        let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        var args = ["python3", root.appendingPathComponent("scripts/reference/make_hf_checkpoint.py").path, gguf, dir, "--layers", "99"]
        if keepTypes { args.append("--keep-types") }
        if variant == "split" { args.append("--split") }
        if variant == "mistral" { args += ["--mistral-window", "4"] }
        if variant == "dense" { args.append("--dense-experts") }
        let (st, out) = try Shell.run(args)
        try #require(st == 0, "\(out)")
        return (gguf, dir)
    }

    @Test(arguments: cases.keys.sorted()) func folderRunsAsLlamaCppRunsTheGGUF(key: String) throws {
        let parts = key.split(separator: ":").map(String.init)
        let (gguf, dir) = try export(parts[0], parts.count > 1 ? parts[1] : nil)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as? [String: Any])
        #expect((config["architectures"] as? [String])?.first == Self.cases[key])
        let imported = Fixtures.temporaryPath("\(parts[0])-imported.gguf")
        try HFImporter.convert(folder: dir, to: imported)
        // The import is the GGUF llama.cpp ran: every tensor's values and the architecture's metadata.
        let a = try GGUFFile(path: gguf), b = try GGUFFile(path: imported)
        let arch = try a.string("general.architecture")
        for k in a.metadataKeys where k.hasPrefix(arch + ".") {
            #expect(b.metadata[k] == a.metadata[k], "\(key): \(k)")
        }
        func values(_ f: GGUFFile, _ name: String) throws -> [Float] {
            let t = try #require(f.tensor(name), "\(key): no \(name)")
            return try #require(TensorKernels.dequantize(t.type, f.data(t), count: t.elementCount))
        }
        if key == "phi3:split" {
            // Separate projections stay separate (llama.cpp loads either); their rows are the fused tensor's.
            #expect(Set(a.tensors.map(\.name)).subtracting(b.tensors.map(\.name)).allSatisfy { $0.hasSuffix("attn_qkv.weight") })
            for l in 0..<(try a.int("phi3.block_count")) {
                let qkv = try ["q", "k", "v"].flatMap { try values(b, "blk.\(l).attn_\($0).weight") }
                #expect(qkv == (try values(a, "blk.\(l).attn_qkv.weight")), "blk.\(l) q/k/v rows")
            }
        } else {
            #expect(Set(a.tensors.map(\.name)) == Set(b.tensors.map(\.name)))
        }
        for t in b.tensors where a.tensor(t.name) != nil {
            #expect(t.dims == a.tensor(t.name)?.dims, "\(key) \(t.name) dims")
            #expect(try values(b, t.name) == (try values(a, t.name)), "\(key) \(t.name) values")
        }
        let e = try Engine(path: imported, threads: 2, contextSize: 512)
        try ArchParity.expectLlamaCppParity(e, try ArchModel.fixture(parts[0]), label: "\(key) from the folder")
    }

    /// gpt-oss with dequantized experts (`gate_up_proj` [experts, hidden, 2·ffn], inputs first, gate and up rows
    /// interleaved): the import holds the GGUF's values (as floats, not MXFP4) and runs.
    @Test func gptOssDenseExpertsImportTheSameValues() throws {
        let (gguf, dir) = try export("gpt-oss", "dense")
        let imported = Fixtures.temporaryPath("gpt-oss-dense-imported.gguf")
        try HFImporter.convert(folder: dir, to: imported)
        let a = try GGUFFile(path: gguf), b = try GGUFFile(path: imported)
        #expect(Set(a.tensors.map(\.name)) == Set(b.tensors.map(\.name)))
        for t in a.tensors {
            let u = try #require(b.tensor(t.name))
            #expect(u.dims == t.dims, "\(t.name) dims")
            if t.name.hasSuffix("_exps.weight") { #expect(u.type == .f32, "\(t.name) type") }
            let x = try #require(TensorKernels.dequantize(t.type, a.data(t), count: t.elementCount))
            let y = try #require(TensorKernels.dequantize(u.type, b.data(u), count: u.elementCount))
            #expect(x == y, "\(t.name) values")
        }
        let e = try Engine(path: imported, threads: 2, contextSize: 64)
        #expect(e.model.config.architecture == "gpt-oss")
    }

    /// config.json keys a family needs, or holds with values llama.cpp would run differently: errors naming the key.
    @Test func malformedFamilyConfigsNameTheKey() throws {
        let helper = ImportTests()
        func expectFailure(_ config: [String: Any], _ fragment: String, tensors: [(String, [Int])] = ImportTests.tinyTensors) throws {
            let dir = try helper.folder(config: config, tensors: tensors)
            #expect { try HFImporter.convert(folder: dir, to: Fixtures.temporaryPath("x.gguf")) } throws: { "\($0)".contains(fragment) }
        }
        func config(_ arch: String, _ extra: [String: Any], removing: [String] = []) -> [String: Any] {
            var c = ImportTests.tinyConfig
            c["architectures"] = [arch]
            for (k, v) in extra { c[k] = v }
            for k in removing { c.removeValue(forKey: k) }
            return c
        }
        let gemma2: [String: Any] = ["head_dim": 2, "sliding_window": 4, "attn_logit_softcapping": 50, "final_logit_softcapping": 30,
                                     "query_pre_attn_scalar": 2, "hidden_activation": "gelu_pytorch_tanh"]
        try expectFailure(config("Gemma2ForCausalLM", gemma2, removing: ["attn_logit_softcapping"]), "attn_logit_softcapping")
        try expectFailure(config("Gemma2ForCausalLM", gemma2, removing: ["sliding_window"]), "sliding_window")
        try expectFailure(config("Gemma2ForCausalLM", gemma2.merging(["query_pre_attn_scalar": 5]) { $1 }), "query_pre_attn_scalar")
        try expectFailure(config("Gemma2ForCausalLM", gemma2.merging(["hidden_activation": "relu"]) { $1 }), "hidden_activation")
        try expectFailure(config("Gemma3ForCausalLM", ["sliding_window": 4, "layer_types": ["full_attention", "sliding_attention"]]), "layer_types")
        try expectFailure(config("Gemma3ForCausalLM", ["sliding_window": 4, "attn_logit_softcapping": 50]), "attn_logit_softcapping")
        let moe: [String: Any] = ["num_experts": 2, "num_experts_per_tok": 1, "moe_intermediate_size": 8]
        try expectFailure(config("Qwen3MoeForCausalLM", moe, removing: ["num_experts"]), "num_experts")
        try expectFailure(config("Qwen3MoeForCausalLM", moe, removing: ["moe_intermediate_size"]), "moe_intermediate_size")
        try expectFailure(config("Qwen3MoeForCausalLM", moe.merging(["norm_topk_prob": false]) { $1 }), "norm_topk_prob")
        try expectFailure(config("Qwen3MoeForCausalLM", moe.merging(["mlp_only_layers": [0]]) { $1 }), "mlp_only_layers")
        try expectFailure(config("MixtralForCausalLM", ["num_local_experts": 2, "num_experts_per_tok": 3]), "num_experts_per_tok")
        try expectFailure(config("MixtralForCausalLM", ["num_experts_per_tok": 1]), "num_local_experts")
        try expectFailure(config("Phi3ForCausalLM", ["partial_rotary_factor": 2]), "partial_rotary_factor")
        try expectFailure(config("Phi3ForCausalLM", ["rope_scaling": ["rope_type": "longrope", "factor": 4]]), "longrope")
        try expectFailure(config("Qwen2ForCausalLM", ["use_sliding_window": true, "sliding_window": 4]), "sliding")
        let oss: [String: Any] = ["num_local_experts": 2, "num_experts_per_tok": 1, "sliding_window": 4,
                                  "rope_scaling": ["rope_type": "yarn", "factor": 8, "original_max_position_embeddings": 16]]
        try expectFailure(config("GptOssForCausalLM", oss, removing: ["sliding_window"]), "sliding_window")
        try expectFailure(config("GptOssForCausalLM", oss, removing: ["num_local_experts"]), "num_local_experts")
        try expectFailure(config("GptOssForCausalLM", oss.merging(["layer_types": ["full_attention"]]) { $1 }), "layer_types")
        try expectFailure(config("GptOssForCausalLM", oss.merging(["swiglu_limit": 5]) { $1 }), "swiglu_limit")
        try expectFailure(config("GptOssForCausalLM", oss.merging(["rope_scaling": ["rope_type": "yarn", "factor": 8]]) { $1 }),
                          "original_max_position_embeddings")
        try expectFailure(config("GptOssForCausalLM", oss.merging(["quantization_config": ["quant_method": "awq"]]) { $1 }), "awq")
        // A well-formed config whose folder lacks gpt-oss's tensors (a Llama layout): the first missing one is named.
        try expectFailure(config("GptOssForCausalLM", oss), "self_attn.q_proj.bias")
        // Mixtral's experts: one tensor per expert; a missing one is named.
        var experts = ImportTests.tinyTensors.filter { !$0.0.contains(".mlp.") }
        experts.append(("model.layers.0.block_sparse_moe.gate.weight", [2, 4]))
        for x in 0..<2 {
            experts += [("model.layers.0.block_sparse_moe.experts.\(x).w1.weight", [8, 4]), ("model.layers.0.block_sparse_moe.experts.\(x).w2.weight", [4, 8]),
                        ("model.layers.0.block_sparse_moe.experts.\(x).w3.weight", [8, 4])]
        }
        let mixtral = config("MixtralForCausalLM", ["num_local_experts": 2, "num_experts_per_tok": 1])
        let ok = try helper.folder(config: mixtral, tensors: experts)
        try HFImporter.convert(folder: ok, to: Fixtures.temporaryPath("mixtral.gguf"))  // the well-formed baseline
        try expectFailure(mixtral, "experts.1.w3", tensors: experts.filter { !$0.0.contains("experts.1.w3") })
        try expectFailure(mixtral, "experts.0.w2", tensors: experts.map { $0.0.contains("experts.0.w2") ? ($0.0, [4, 4]) : $0 })
    }
}
