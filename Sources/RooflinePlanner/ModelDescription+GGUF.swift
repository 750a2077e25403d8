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
        embeddingPrecision = (file.tensor("output.weight") ?? file.tensor("token_embd.weight")).flatMap { Precision(ggml: $0.type) }
        // The type holding the most bytes among the layers' matrices (rows longer than one), when the planner knows
        // it, and what every weight tensor actually takes.
        var bytesByType: [GGMLType: Int] = [:]
        var layerBytes = 0.0, layerElements = 0.0
        for t in file.tensors where t.dims.count >= 2 && !t.name.hasPrefix("token_embd") && t.name != "output.weight" {
            bytesByType[t.type, default: 0] += t.byteCount
            layerBytes += Double(t.byteCount)
            layerElements += Double(t.elementCount)
        }
        filePrecision = bytesByType.max { $0.value != $1.value ? $0.value < $1.value : $0.key.rawValue > $1.key.rawValue }
            .flatMap { Precision(ggml: $0.key) }
        func size(_ name: String) -> (bytes: Double, elements: Double)? {
            file.tensor(name).map { (Double($0.byteCount), Double($0.elementCount)) }
        }
        if layerElements > 0 {
            let embedding = size("token_embd.weight"), output = size("output.weight")
            fileWeights = FileWeights(
                layerBytes: layerBytes, layerElements: layerElements,
                embeddingBytes: embedding?.bytes ?? 0, embeddingElements: embedding?.elements ?? 0,
                outputBytes: output?.bytes, outputElements: output?.elements,
                layerBytesByType: Dictionary(uniqueKeysWithValues: bytesByType.map { ("\($0.key)", Double($0.value)) }))
        }
        engineArchitecture = (try? file.string("general.architecture")).flatMap { ModelArchitecture.registry[$0]?.name }
        try validate()
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
