import Foundation
import Testing
import RooflineGGUF
import RooflineImport
import RooflineTestSupport

/// Malformed FP8 checkpoints: each is refused with an error naming the tensor (or config key) at fault. The
/// folders are tiny one-layer models written here (safetensors by hand), with the tokenizer of ImportTests' folder.
@Suite(.serialized) struct FP8BadInputTests {
    struct Entry { let name: String; let dtype: String; let shape: [Int]; let bytes: [UInt8] }

    /// A safetensors file: 8-byte header length, JSON header, tensor bytes in order.
    static func safetensors(_ entries: [Entry]) -> [UInt8] {
        var header: [String: Any] = [:], offset = 0
        for e in entries {
            header[e.name] = ["dtype": e.dtype, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]]
            offset += e.bytes.count
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + Array(json) + entries.flatMap(\.bytes)
    }

    static func f32(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

    /// The error message of importing a one-layer folder whose q_proj is FP8 with `scale` (nil: none) and `codes`.
    func importError(scale: Entry?, codeByte: UInt8 = 0x38, dtype: String = "F8_E4M3", quantization: [String: Any]? = nil) throws -> String {
        let float = try ImportTests.folder.get()
        let dir = Fixtures.temporaryPath("fp8-bad-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { Fixtures.remove(dir) }
        for f in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: float + "/" + f, toPath: dir + "/" + f)
        }
        let vocab = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: float + "/config.json"))) as! [String: Any])["vocab_size"] as! Int
        let h = 16
        var config: [String: Any] = ["architectures": ["LlamaForCausalLM"], "hidden_size": h, "intermediate_size": 32, "num_hidden_layers": 1,
                                     "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": vocab, "max_position_embeddings": 64]
        config["quantization_config"] = quantization ?? ["quant_method": "compressed-tensors", "format": "float-quantized"]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        var entries = [Entry(name: "model.embed_tokens.weight", dtype: "F32", shape: [vocab, h], bytes: Self.f32([Float](repeating: 0.01, count: vocab * h))),
                       Entry(name: "model.layers.0.input_layernorm.weight", dtype: "F32", shape: [h], bytes: Self.f32([Float](repeating: 1, count: h))),
                       Entry(name: "model.layers.0.self_attn.q_proj.weight", dtype: dtype, shape: [h, h], bytes: [UInt8](repeating: codeByte, count: h * h))]
        if let scale { entries.append(scale) }
        try Data(Self.safetensors(entries)).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        do {
            try HFImporter.convert(folder: dir, to: dir + "/out.gguf")
        } catch {
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.gguf"), "no partial output")
            return "\(error)"
        }
        return "no error"
    }

    let scaleName = "model.layers.0.self_attn.q_proj.weight_scale"

    @Test func wrongScaleShape() throws {
        let e = try importError(scale: Entry(name: scaleName, dtype: "F32", shape: [16, 2], bytes: Self.f32([Float](repeating: 1, count: 32))))
        #expect(e.contains(scaleName) && e.contains("shape"), "\(e)")
    }

    @Test func nanOrNegativeScale() throws {
        for bad: Float in [.nan, -1, .infinity] {
            var v = [Float](repeating: 0.5, count: 16)
            v[3] = bad
            let e = try importError(scale: Entry(name: scaleName, dtype: "F32", shape: [16, 1], bytes: Self.f32(v)))
            #expect(e.contains(scaleName) && e.contains("index 3"), "\(e)")
        }
    }

    @Test func missingScaleOrUnreadableScaleType() throws {
        let e = try importError(scale: nil)
        #expect(e.contains("model.layers.0.self_attn.q_proj.weight") && e.contains("_scale"), "\(e)")
        let e2 = try importError(scale: Entry(name: scaleName, dtype: "I32", shape: [1], bytes: [1, 0, 0, 0]))
        #expect(e2.contains(scaleName) && e2.contains("I32"), "\(e2)")
    }

    @Test func nanCodeAndUnknownDType() throws {
        let scale = Entry(name: scaleName, dtype: "F32", shape: [1], bytes: Self.f32([0.5]))
        let e = try importError(scale: scale, codeByte: 0x7F)
        #expect(e.contains("model.layers.0.self_attn.q_proj.weight") && e.contains("NaN"), "\(e)")
        let e2 = try importError(scale: scale, dtype: "F8_E4M3FNUZ")
        #expect(e2.contains("model.layers.0.self_attn.q_proj.weight") && e2.contains("F8_E4M3FNUZ"), "\(e2)")
    }

    @Test func unsupportedQuantizationConfigs() throws {
        let scale = Entry(name: scaleName, dtype: "F32", shape: [1], bytes: Self.f32([0.5]))
        let block = try importError(scale: scale, quantization: ["quant_method": "fp8", "weight_block_size": [128, 128]])
        #expect(block.contains("block-wise"), "\(block)")
        let awq = try importError(scale: scale, quantization: ["quant_method": "awq"])
        #expect(awq.contains("awq"), "\(awq)")
        let group = try importError(scale: scale, quantization: ["quant_method": "compressed-tensors", "format": "float-quantized",
                                                                  "config_groups": ["group_0": ["weights": ["num_bits": 8, "type": "float", "strategy": "block"]]]])
        #expect(group.contains("group_0") && group.contains("block"), "\(group)")
        // The older style without block sizes is accepted (the error comes later, from the missing tensors).
        let old = try importError(scale: scale, quantization: ["quant_method": "fp8", "activation_scheme": "dynamic"])
        #expect(old.contains("missing"), "\(old)")
    }
}
