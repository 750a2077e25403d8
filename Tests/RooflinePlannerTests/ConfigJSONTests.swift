import Foundation
import Testing
import RooflinePlanner

/// Shapes read from safetensors `config.json` files match the presets built from the same configs.
struct ConfigJSONTests {
    static func read(_ json: String, as name: String) throws -> ModelDescription {
        try ModelDescription(configJSON: Data(json.utf8), name: name)
    }

    @Test func mixtralConfigMatchesPreset() throws {
        // Key subset of mistralai/Mixtral-8x7B-v0.1 config.json.
        let m = try Self.read("""
            {"hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
             "num_key_value_heads": 8, "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 32000,
             "tie_word_embeddings": false, "model_type": "mixtral"}
            """, as: "mixtral-8x7b")
        #expect(m == ModelDescription.preset("mixtral-8x7b"))
    }

    @Test func deepseekV3ConfigMatchesPreset() throws {
        // Key subset of deepseek-ai/DeepSeek-V3 config.json.
        let m = try Self.read("""
            {"hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048, "num_attention_heads": 128,
             "num_key_value_heads": 128, "num_hidden_layers": 61, "n_routed_experts": 256, "n_shared_experts": 1,
             "num_experts_per_tok": 8, "first_k_dense_replace": 3, "q_lora_rank": 1536, "kv_lora_rank": 512,
             "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128, "vocab_size": 129280,
             "tie_word_embeddings": false}
            """, as: "deepseek-v3")
        #expect(m == ModelDescription.preset("deepseek-v3"))
    }

    /// The planner reads the model layer's registry: which architecture of Roofline's engine runs a checkpoint, and
    /// Gemma's tied output when the config leaves `tie_word_embeddings` out (its converter keeps no lm_head).
    @Test func registryTellsTheEngineArchitecture() throws {
        let gemma = try Self.read("""
            {"architectures": ["Gemma3ForCausalLM"], "hidden_size": 640, "intermediate_size": 2048, "num_attention_heads": 4,
             "num_hidden_layers": 18, "num_key_value_heads": 1, "head_dim": 256, "vocab_size": 262144}
            """, as: "gemma-3-270m")
        #expect(gemma.engineArchitecture == "gemma3" && gemma.tiedEmbeddings)
        let mixtral = try Self.read("""
            {"architectures": ["MixtralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 8, "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 32000}
            """, as: "mixtral")
        #expect(mixtral.engineArchitecture == "llama" && !mixtral.tiedEmbeddings)
        let deepseek = try Self.read("""
            {"architectures": ["DeepseekV3ForCausalLM"], "hidden_size": 7168, "intermediate_size": 18432, "num_attention_heads": 128,
             "num_hidden_layers": 61, "vocab_size": 129280}
            """, as: "deepseek")
        #expect(deepseek.engineArchitecture == nil)
    }

    @Test func smolLMConfigFromDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("planner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("""
            {"hidden_size": 576, "intermediate_size": 1536, "num_attention_heads": 9, "num_hidden_layers": 30,
             "num_key_value_heads": 3, "vocab_size": 49152, "tie_word_embeddings": true}
            """.utf8).write(to: dir.appendingPathComponent("config.json"))
        var m = try ModelDescription.resolve(dir.path)
        m.name = "smollm2-135m"
        #expect(m == ModelDescription.preset("smollm2-135m"))
    }

    @Test func missingKeyIsNamed() {
        #expect(throws: PlannerError.invalidModel(name: "x", reason: "config.json has no integer 'vocab_size'")) {
            try Self.read(#"{"hidden_size": 8, "intermediate_size": 16, "num_attention_heads": 2, "num_hidden_layers": 2}"#, as: "x")
        }
    }
}
