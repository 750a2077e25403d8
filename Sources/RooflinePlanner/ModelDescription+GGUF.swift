import Foundation
import RooflineGGUF
import RooflineModel

/// Reading a model's shape from GGUF metadata (llama.cpp's `LLM_KV_*` keys, prefixed by `general.architecture`).
extension ModelDescription {
    /// The shape of the model in `file`; `name` defaults to the file's path.
    public init(gguf file: GGUFFile, name: String? = nil) throws(PlannerError) {
        let label = name ?? file.path
        do {
            let a = try file.string("general.architecture")
            let heads = try file.int("\(a).attention.head_count")
            let hidden = try file.int("\(a).embedding_length")
            var vocab = try file.int("\(a).vocab_size", default: 0)
            if vocab == 0 { vocab = file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count ?? 0 }
            let keyLength = try file.int("\(a).attention.key_length", default: heads > 0 ? hidden / heads : 0)
            let experts = try file.int("\(a).expert_count", default: 0)
            let ffn = try file.int("\(a).feed_forward_length", default: 0)
            var attention = Attention.grouped
            if a.hasPrefix("deepseek2") {
                let rope = try file.int("\(a).rope.dimension_count")
                attention = .latent(qLoraRank: try file.int("\(a).attention.q_lora_rank", default: 0),
                                    kvLoraRank: try file.int("\(a).attention.kv_lora_rank"), ropeDim: rope,
                                    nopeDim: keyLength - rope, valueDim: try file.int("\(a).attention.value_length"))
            }
            self.init(
                name: label, layers: try file.int("\(a).block_count"), hidden: hidden, heads: heads,
                kvHeads: try file.int("\(a).attention.head_count_kv", default: heads), headDim: keyLength, ffn: ffn, vocab: vocab,
                tiedEmbeddings: file.tensor("output.weight") == nil, attention: attention, experts: experts,
                activeExperts: try file.int("\(a).expert_used_count", default: 0),
                sharedExperts: try file.int("\(a).expert_shared_count", default: 0),
                expertFFN: try file.int("\(a).expert_feed_forward_length", default: ffn),
                denseLeadingLayers: try file.int("\(a).leading_dense_block_count", default: 0))
        } catch {
            throw .unreadableModel(path: file.path, reason: "\(error)")
        }
        embeddingPrecision = (file.tensor("output.weight") ?? file.tensor("token_embd.weight")).flatMap { Self.precision(of: $0.type) }
        // The type holding the most bytes among the matrices (rows longer than one), when the planner knows it.
        var bytesByType: [GGMLType: Int] = [:]
        for t in file.tensors where t.dims.count >= 2 && !t.name.hasPrefix("token_embd") && t.name != "output.weight" {
            bytesByType[t.type, default: 0] += t.byteCount
        }
        filePrecision = bytesByType.max { $0.value < $1.value }.flatMap { Self.precision(of: $0.key) }
        engineArchitecture = (try? file.string("general.architecture")).flatMap { ModelArchitecture.registry[$0]?.name }
        try validate()
    }

    /// The planner's name for a ggml storage type, or nil for types it does not model (K-quants, IQ types).
    static func precision(of type: GGMLType) -> Precision? {
        switch type {
        case .f32: .fp32
        case .f16: .fp16
        case .bf16: .bf16
        case .q8_0: .q8_0
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        case .mxfp4: .mxfp4
        case .nvfp4: .nvfp4
        case .fp8_e4m3, .fp8_e5m2: .fp8  // Roofline's FP8 rows (plus 4 bytes per row, negligible here)
        default: nil
        }
    }

    /// A preset by name, the shape in a safetensors `config.json` (the file, or a directory holding it),
    /// or the shape read from a GGUF file at that path.
    public static func resolve(_ nameOrPath: String) throws(PlannerError) -> ModelDescription {
        if let p = preset(nameOrPath) { return p }
        guard nameOrPath.hasSuffix(".gguf") || nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") else {
            throw .unknownModel(nameOrPath, known: presetNames)
        }
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDir)
        if exists && (isDir.boolValue || nameOrPath.hasSuffix(".json")) {
            let url = isDir.boolValue ? URL(fileURLWithPath: nameOrPath).appendingPathComponent("config.json")
                                      : URL(fileURLWithPath: nameOrPath)
            let data: Data
            do { data = try Data(contentsOf: url) } catch { throw .unreadableModel(path: url.path, reason: "cannot read: \(error.localizedDescription)") }
            return try ModelDescription(configJSON: data, name: url.deletingLastPathComponent().lastPathComponent)
        }
        let file: GGUFFile
        do { file = try GGUFFile(path: nameOrPath) } catch { throw .unreadableModel(path: nameOrPath, reason: "\(error)") }
        return try ModelDescription(gguf: file)
    }
}
