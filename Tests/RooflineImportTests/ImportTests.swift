import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineImport
import RooflineQuant
import RooflineTestSupport
import RooflineTokenizer

/// Hugging Face checkpoint folders: a folder made from the default model by the reference libraries
/// (scripts/reference/make_hf_checkpoint.py: safetensors, Hugging Face tokenizers, gguf.quants, and the inverse
/// of llama.cpp's Q/K permutation) imports back to the model's own tensors and vocabulary, and tokenizes as
/// Hugging Face tokenizers does.
@Suite(.serialized) struct ImportTests {
    /// The folder, made once per test process (pip-installing the script's libraries when missing).
    static let folder: Result<String, Error> = Result {
        let dir = Fixtures.scratch.appendingPathComponent("hf").path
        let model = try #require(DefaultModel.path)
        let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        if try Shell.run(["python3", "-c", "import numpy, gguf, safetensors, tokenizers"]).0 != 0 {
            let (s, o) = try Shell.run(["python3", "-m", "pip", "install", "--quiet", "numpy", "gguf", "safetensors", "tokenizers"])
            guard s == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "pip install failed: \(o)"]) }
        }
        let (s, o) = try Shell.run(["python3", root.appendingPathComponent("scripts/reference/make_hf_checkpoint.py").path, model, dir, "--layers", "2"])
        guard s == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "make_hf_checkpoint.py failed: \(o)"]) }
        return dir
    }

    /// tokenizer.json files written by Hugging Face `tokenizers` for llama.cpp's test vocabularies, each with its
    /// family's pre-tokenizer (scripts/reference/make_hf_tokenizers.py), made once per test process.
    static let tokenizers: Result<String, Error> = Result {
        let dir = Fixtures.scratch.appendingPathComponent("hf-tokenizers").path
        let vocabs = try ReferenceVocabularies.ensure().path
        _ = try folder.get()  // the same Python libraries
        let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        let (s, o) = try Shell.run(["python3", root.appendingPathComponent("scripts/reference/make_hf_tokenizers.py").path, vocabs, dir])
        guard s == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "make_hf_tokenizers.py failed: \(o)"]) }
        return dir
    }

    /// Three ways agree on llama.cpp's own test strings: the vocabulary imported from tokenizer.json, tokenized by
    /// Roofline, gives llama.cpp's ids (test-tokenizer-0's .out files) and Hugging Face tokenizers' ids.
    /// llama-spm and phi-3 are SentencePiece vocabularies (BPE with byte_fallback: Llama 2's normalizer, and a
    /// Metaspace pre-tokenizer), imported as llama.cpp's SPM tokenizer with scores from the merges. Hugging Face's
    /// Metaspace puts no ▁ before text that already starts with a space where llama.cpp always does, so Hugging
    /// Face agrees with llama.cpp on only 31 of phi-3's 46 strings (all starting with a space); Roofline follows llama.cpp.
    @Test(arguments: ["llama-bpe", "qwen2", "gpt-2", "llama-spm", "phi-3"]) func tokenizerJSONTokenizesLikeLlamaCppAndHuggingFace(vocab: String) throws {
        let dir = try Self.tokenizers.get() + "/" + vocab
        struct Expected: Decodable {
            struct Case: Decodable { let text: String; let ids: [Int32] }
            let vocab_size: Int
            let cases: [Case]
        }
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json")))
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        for (k, v) in try HFImporter.tokenizerMetadata(folder: dir, vocabSize: e.vocab_size) { w.set(k, v) }
        let tok = try Tokenizer(file: try GGUFFile(path: try Fixtures.write(w.serialize(), name: "\(vocab)-tokenizer.gguf")))
        #expect(tok.kind == (["llama-spm", "phi-3"].contains(vocab) ? .spm : .bpe))
        let hf = Dictionary(e.cases.map { ($0.text, $0.ids) }, uniquingKeysWith: { a, _ in a })
        let cases = try ReferenceVocabularies.cases(vocab)
        #expect(cases.count > 30)
        var agreeHF = 0
        for (text, llama) in cases {
            let ours = tok.encode(text, addSpecial: false, parseSpecial: false)
            #expect(ours == llama, "\(vocab): \(text.debugDescription) vs llama.cpp")
            if hf[text] == ours { agreeHF += 1 }
        }
        // Where llama.cpp and Hugging Face disagree, Roofline follows llama.cpp; report how often that is.
        let hfAgreesWithLlama = cases.filter { hf[$0.0] == $0.1 }.count
        #expect(agreeHF == hfAgreesWithLlama, "\(vocab): agreement with Hugging Face differs from llama.cpp's")
        #expect(hfAgreesWithLlama >= (vocab == "phi-3" ? 31 : cases.count - 3), "\(vocab): Hugging Face agrees with llama.cpp on only \(hfAgreesWithLlama) of \(cases.count)")
    }

    @Test func importGivesBackTheModelsTensorsAndVocabulary() throws {
        let dir = try Self.folder.get()
        let out = Fixtures.temporaryPath("imported.gguf")
        defer { Fixtures.remove(out) }
        try HFImporter.convert(folder: dir, to: out)
        let imported = try GGUFFile(path: out)
        let original = try GGUFFile(path: try #require(DefaultModel.path))
        // Every tensor of the first two layers, the embedding and the final norm: the original's values exactly
        // (Q and K rows back in ggml's order), as F32, dimensions innermost first.
        var compared = 0
        for t in imported.tensors {
            let o = try #require(original.tensor(t.name), "\(t.name) is not a tensor of the original")
            #expect(t.dims == o.dims, "\(t.name) dims")
            #expect(t.type == .f32, "\(t.name) type")
            let want = try #require(TensorKernels.dequantize(o.type, original.data(o), count: o.elementCount))
            let got = try #require(TensorKernels.dequantize(t.type, imported.data(t), count: t.elementCount))
            #expect(got == want, "\(t.name) values")
            compared += 1
        }
        #expect(compared == 2 * 9 + 2)
        for key in ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type", "tokenizer.ggml.pre",
                    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.chat_template",
                    "llama.embedding_length", "llama.attention.head_count_kv", "llama.rope.freq_base"] {
            #expect(imported.metadata[key] == original.metadata[key], "\(key)")
        }
    }

    @Test func tokenizesAsHuggingFaceTokenizers() throws {
        let dir = try Self.folder.get()
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/expected_tokens.json")))
        let path = try ModelStore.resolve(dir)  // the path users take: imported once into the cache
        defer { Fixtures.remove(path) }
        #expect(path.hasSuffix(".gguf") && path.contains("/imported/"))
        #expect(try ModelStore.resolve(dir) == path, "the second resolve reuses the import")
        let e = try Engine(path: path, threads: 1, contextSize: 64)
        #expect(cases.count >= 8)
        for c in cases { #expect(e.tokenize(c.text, addSpecial: false) == c.ids, "\(c.text)") }
        let r = try e.generate(prompt: e.tokenize("Hello"), options: GenerationOptions(maxTokens: 3))
        #expect(r.tokens.count + (r.finishReason == .stop ? 1 : 0) >= 1)
    }

    /// The import cache keeps one conversion per folder: reused while the folder is unchanged, converted again
    /// when a file changes, with the earlier conversion removed; a folder of the same name elsewhere is its own entry.
    @Test func importCacheKeepsOneConversionPerFolder() throws {
        let (_, dir) = try ImportFamilyTests().export("llama", nil, keepTypes: false)
        let cache = URL(fileURLWithPath: Fixtures.temporaryPath("cache"))
        defer { Fixtures.remove(cache.path) }
        let first = try HFImporter.cachedImport(folder: dir, cache: cache)
        #expect(try HFImporter.cachedImport(folder: dir, cache: cache) == first)
        let config = dir + "/config.json"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: config)
        let second = try HFImporter.cachedImport(folder: dir, cache: cache)
        #expect(second != first)
        #expect(!FileManager.default.fileExists(atPath: first), "the stale conversion is removed")
        let elsewhere = Fixtures.temporaryPath("other") + "/" + URL(fileURLWithPath: dir).lastPathComponent
        try FileManager.default.createDirectory(atPath: (elsewhere as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir, toPath: elsewhere)
        let third = try HFImporter.cachedImport(folder: elsewhere, cache: cache)
        #expect(third != second && FileManager.default.fileExists(atPath: second), "same name, other folder: both kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path + "/imported").count == 2)
    }

    /// Qwen2 (biases), Qwen3 (Q/K norms, head_dim ≠ hidden/heads) and Llama random models from the
    /// architecture fixtures: exported to a checkpoint folder by the reference script, imported back, they give
    /// the same tensors and the same logits as the GGUF they came from.
    @Test(arguments: ["qwen2", "qwen3", "llama"]) func otherFamiliesRoundTrip(arch: String) throws {
        let (gguf, dir) = try ImportFamilyTests().export(arch, nil, keepTypes: false)  // all F32 in the folder
        let imported = Fixtures.temporaryPath("\(arch)-imported.gguf")
        try HFImporter.convert(folder: dir, to: imported)
        let a = try GGUFFile(path: gguf), b = try GGUFFile(path: imported)
        #expect(a.metadata["general.architecture"] == b.metadata["general.architecture"])
        #expect(Set(a.tensors.map(\.name)) == Set(b.tensors.map(\.name)))
        for t in b.tensors {
            let o = try #require(a.tensor(t.name))
            #expect(t.dims == o.dims, "\(arch) \(t.name) dims")
            #expect(TensorKernels.dequantize(t.type, b.data(t), count: t.elementCount) == TensorKernels.dequantize(o.type, a.data(o), count: o.elementCount),
                    "\(arch) \(t.name) values")
        }
        // Same model: same logits after a prompt (F16 weights imported as F32 compute the same products).
        let e1 = try Engine(path: gguf, threads: 1, contextSize: 64), e2 = try Engine(path: imported, threads: 1, contextSize: 64)
        let prompt = e1.tokenize("The capital of France is")
        func logits(_ e: Engine) throws -> [Float] {
            var l = [Float](repeating: 0, count: e.model.config.vocabSize)
            try l.withUnsafeMutableBufferPointer { try e.model.forward(tokens: prompt, cache: e.model.makeCache(capacity: 64), logits: $0.baseAddress!, allLogits: false) }
            return l
        }
        let (l1, l2) = (try logits(e1), try logits(e2))
        let maxDiff = zip(l1, l2).map { abs($0 - $1) }.max() ?? .infinity
        let scale = l1.map { abs($0) }.max() ?? 1
        #expect(maxDiff <= 1e-3 * max(1, scale), "\(arch): logits differ by \(maxDiff) (scale \(scale))")
    }

    /// A folder with a config.json and tensors written here, for the malformed cases.
    func folder(config: [String: Any], tensors: [(String, [Int])], tokenizer: Bool = true) throws -> String {
        let dir = Fixtures.temporaryPath("hf")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        var header: [String: Any] = [:]
        var offset = 0
        for (name, shape) in tensors {
            let n = shape.reduce(1, *) * 4
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]]
            offset += n
        }
        let h = try JSONSerialization.data(withJSONObject: header)
        var bytes = withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + Array(h)
        bytes += [UInt8](repeating: 0, count: offset)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        if tokenizer {
            let tok: [String: Any] = ["model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2, "<s>": 3], "merges": ["a b"]],
                                      "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
                                      "added_tokens": [["id": 3, "content": "<s>", "special": true]]]
            try JSONSerialization.data(withJSONObject: tok).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
        }
        return dir
    }

    static var tinyConfig: [String: Any] { ["architectures": ["LlamaForCausalLM"], "hidden_size": 4, "intermediate_size": 8,
                                            "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
                                            "vocab_size": 4, "max_position_embeddings": 16, "tie_word_embeddings": true] }
    static let tinyTensors: [(String, [Int])] = [
        ("model.embed_tokens.weight", [4, 4]), ("model.norm.weight", [4]),
        ("model.layers.0.input_layernorm.weight", [4]), ("model.layers.0.post_attention_layernorm.weight", [4]),
        ("model.layers.0.self_attn.q_proj.weight", [4, 4]), ("model.layers.0.self_attn.k_proj.weight", [2, 4]),
        ("model.layers.0.self_attn.v_proj.weight", [2, 4]), ("model.layers.0.self_attn.o_proj.weight", [4, 4]),
        ("model.layers.0.mlp.gate_proj.weight", [8, 4]), ("model.layers.0.mlp.up_proj.weight", [8, 4]),
        ("model.layers.0.mlp.down_proj.weight", [4, 8]),
    ]

    @Test func malformedFoldersAreClearErrors() throws {
        func expectFailure(_ dir: String, _ fragment: String) {
            #expect { try HFImporter.convert(folder: dir, to: Fixtures.temporaryPath("x.gguf")) } throws: {
                "\($0)".contains(fragment)
            }
        }
        // The well-formed tiny folder converts (the baseline the cases below break one thing of).
        let ok = try folder(config: Self.tinyConfig, tensors: Self.tinyTensors)
        try HFImporter.convert(folder: ok, to: Fixtures.temporaryPath("ok.gguf"))

        var c = Self.tinyConfig
        c["architectures"] = ["GPT2LMHeadModel"]
        expectFailure(try folder(config: c, tensors: Self.tinyTensors), "GPT2LMHeadModel")
        c = Self.tinyConfig
        c.removeValue(forKey: "hidden_size")
        expectFailure(try folder(config: c, tensors: Self.tinyTensors), "hidden_size")
        c = Self.tinyConfig
        c["num_key_value_heads"] = 3
        expectFailure(try folder(config: c, tensors: Self.tinyTensors), "multiple")
        c = Self.tinyConfig
        c["rope_scaling"] = ["rope_type": "yarn", "factor": 4]  // YaRN needs the original context
        expectFailure(try folder(config: c, tensors: Self.tinyTensors), "original_max_position_embeddings")
        c["rope_scaling"] = ["rope_type": "dynamic", "factor": 4]
        expectFailure(try folder(config: c, tensors: Self.tinyTensors), "dynamic")
        expectFailure(try folder(config: Self.tinyConfig, tensors: Array(Self.tinyTensors.dropLast())), "down_proj")
        expectFailure(try folder(config: Self.tinyConfig, tensors: Self.tinyTensors.map { $0.0.hasSuffix("v_proj.weight") ? ($0.0, [3, 4]) : $0 }), "shape")
        expectFailure(try folder(config: Self.tinyConfig, tensors: Self.tinyTensors + [("model.layers.0.mlp.extra_proj.weight", [4])]), "mlp.extra_proj.weight")
        // Llama declares optional Q/K/V biases (llama.cpp's converter maps them, its loader reads them when present).
        let biased = try folder(config: Self.tinyConfig, tensors: Self.tinyTensors + [
            ("model.layers.0.self_attn.q_proj.bias", [4]), ("model.layers.0.self_attn.k_proj.bias", [2]), ("model.layers.0.self_attn.v_proj.bias", [2])])
        let biasedOut = Fixtures.temporaryPath("biased.gguf")
        try HFImporter.convert(folder: biased, to: biasedOut)
        #expect(try GGUFFile(path: biasedOut).tensor("blk.0.attn_k.bias")?.dims == [2])
        expectFailure(try folder(config: Self.tinyConfig, tensors: Self.tinyTensors, tokenizer: false), "tokenizer.json")
        #expect(HFImporter.isCheckpoint(ok) && !HFImporter.isCheckpoint(ok + "/config.json"))
    }
}
