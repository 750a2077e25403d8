import RooflineGGUF

/// llama.cpp's K-quant mixes (`llama-quantize IN OUT Q4_K_M`): which type each tensor gets, as
/// `llama_tensor_get_type_impl` in src/llama-quant.cpp (llama-cpp-python 0.3.36's tree) chooses it for dense
/// models without an importance matrix. The K-quant fallback for rows that are not whole 256-blocks is applied
/// afterwards by `ModelQuantizer`, as llama.cpp applies its `tensor_type_fallback`.
///
/// Not covered (refused or left out, so that what is offered is exact): mixture-of-experts models (llama.cpp
/// uses other rules when `expert_count` is 8, and parses layer numbers from names), Falcon, and the Q2_K mix
/// (its attn_v rule depends on the grouped-query ratio; `--type q2_k` is the pure type).
public enum QuantProfile: String, CaseIterable, Sendable, CustomStringConvertible {
    case q3_K_S, q3_K_M, q3_K_L, q4_K_S, q4_K_M, q5_K_S, q5_K_M

    /// Parses a profile name in any case (`q4_k_m`, `Q4_K_M`).
    public init?(name: String) {
        guard let p = QuantProfile.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = p
    }

    public var description: String { rawValue.uppercased() }

    /// The type of every tensor the mix does not single out (llama.cpp's default_type for the ftype).
    public var baseType: GGMLType {
        switch self {
        case .q3_K_S, .q3_K_M, .q3_K_L: .q3_K
        case .q4_K_S, .q4_K_M: .q4_K
        case .q5_K_S, .q5_K_M: .q5_K
        }
    }

    /// llama.cpp's `llama_ftype` (`general.file_type`).
    public var fileType: UInt32 {
        switch self {
        case .q3_K_S: 11
        case .q3_K_M: 12
        case .q3_K_L: 13
        case .q4_K_S: 14
        case .q4_K_M: 15
        case .q5_K_S: 16
        case .q5_K_M: 17
        }
    }

    /// What the mix reads from the model.
    public struct Model: Sendable {
        /// `<arch>.block_count` (llama.cpp's n_layer).
        public var blockCount: Int
        /// llama.cpp's LLM_TYPE_70B (80 layers of llama with grouped KV heads, qwen2, deci, olmo; 68 of jais2).
        public var is70B: Bool
        /// No `output.weight`: `token_embd.weight` is quantized as the output tensor.
        public var tiedEmbeddings: Bool

        public init(blockCount: Int, is70B: Bool, tiedEmbeddings: Bool) {
            self.blockCount = blockCount
            self.is70B = is70B
            self.tiedEmbeddings = tiedEmbeddings
        }

        /// Reads the facts from a GGUF file; nil with a reason when the mix does not apply to it.
        public static func from(_ file: GGUFFile) -> (model: Model?, problem: String?) {
            guard let arch = file.metadata["general.architecture"]?.stringValue else { return (nil, "general.architecture is missing") }
            guard let layers = file.metadata["\(arch).block_count"]?.intValue, layers > 0 else { return (nil, "\(arch).block_count is missing") }
            if let e = file.metadata["\(arch).expert_count"]?.intValue, e > 1 {
                return (nil, "the K-quant mixes are implemented for dense models only (this one has \(e) experts); use --type with a plain type")
            }
            if arch == "falcon" { return (nil, "the K-quant mixes have Falcon-specific rules that are not implemented") }
            let heads = file.metadata["\(arch).attention.head_count"]?.intValue
            let kvHeads = file.metadata["\(arch).attention.head_count_kv"]?.intValue ?? heads
            let is70B = (layers == 80 && ["qwen2", "deci", "olmo"].contains(arch))
                || (layers == 80 && arch == "llama" && heads != kvHeads) || (layers == 68 && arch == "jais2")
            return (Model(blockCount: layers, is70B: is70B, tiedEmbeddings: file.tensor("output.weight") == nil), nil)
        }
    }

    enum Category { case output, tokenEmbd, attnV, attnK, attnQ, attnOutput, ffnUp, ffnGate, ffnDown, other }

    /// llama.cpp's `tensor_get_category` (attn_qkv and attn_kv_b count as attn_v, as `category_is_attn_v` has them).
    static func category(_ name: String) -> Category {
        if name == "output.weight" { return .output }
        if name == "token_embd.weight" || name == "per_layer_token_embd.weight" { return .tokenEmbd }
        if name.contains("attn_qkv.weight") || name.contains("attn_kv_b.weight") || name.contains("attn_v.weight") { return .attnV }
        if name.contains("attn_k.weight") { return .attnK }
        if name.contains("attn_q.weight") { return .attnQ }
        if name.contains("attn_output.weight") { return .attnOutput }
        if name.contains("ffn_up") { return .ffnUp }
        if name.contains("ffn_gate") { return .ffnGate }
        if name.contains("ffn_down") { return .ffnDown }
        return .other
    }

    static func useMoreBits(_ i: Int, _ n: Int) -> Bool { i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2 }

    /// The order llama-quantize visits tensors in (llama_model_loader's weight_name_comparer): by the layer
    /// number after "blk." (-1 for other names), then by name.
    static func visitOrder(_ a: String, _ b: String) -> Bool {
        func layer(_ s: String) -> Int {
            guard s.hasPrefix("blk.") else { return -1 }
            let digits = s.dropFirst(4).prefix { $0.isASCII && $0.isNumber }
            return Int(digits) ?? -1
        }
        let la = layer(a), lb = layer(b)
        return la != lb ? la < lb : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }

    /// The type of each named tensor under the mix, before the block-size fallback. `tensors` are the
    /// quantized (2-D or larger) tensors; the layer counters advance in llama-quantize's visiting order
    /// (`visitOrder`), and tensors for which `decidedElsewhere` is true (rules, output/embedding options) are
    /// left out and do not advance them, as in llama.cpp.
    public func types(for tensors: [(name: String, columns: Int)], model: Model,
                      decidedElsewhere: (String) -> Bool = { _ in false }) -> [String: GGMLType] {
        let nAttnV = tensors.filter { Self.category($0.name) == .attnV }.count
        var iAttnV = 0, iFfnDown = 0
        var out: [String: GGMLType] = [:]
        for t in tensors.sorted(by: { Self.visitOrder($0.name, $1.name) }) where !decidedElsewhere(t.name) {
            var type = baseType
            switch Self.category(t.name) {
            case .output:
                type = t.columns % baseType.blockSize != 0 ? .q8_0 : .q6_K
            case .tokenEmbd:
                if model.tiedEmbeddings { type = t.columns % baseType.blockSize != 0 ? .q8_0 : .q6_K }
            case .attnV:
                switch self {
                case .q3_K_M: type = iAttnV < 2 ? .q5_K : .q4_K
                case .q3_K_L: type = .q5_K
                case .q4_K_M, .q5_K_M: if Self.useMoreBits(iAttnV, nAttnV) { type = .q6_K }
                case .q4_K_S: if iAttnV < 4 { type = .q5_K }
                default: break
                }
                if model.is70B && (type == .q3_K || type == .q4_K) { type = .q5_K }
                iAttnV += 1
            case .ffnDown:
                let i = iFfnDown, n = model.blockCount
                switch self {
                case .q3_K_M: type = i < n / 16 ? .q5_K : .q4_K
                case .q3_K_L: type = .q5_K
                case .q4_K_M, .q5_K_M: if Self.useMoreBits(i, n) { type = .q6_K }
                case .q4_K_S: if i < n / 8 { type = .q5_K }
                default: break
                }
                iFfnDown += 1
            case .attnOutput:
                if self == .q3_K_M { type = .q4_K } else if self == .q3_K_L { type = .q5_K }
            case .attnK, .attnQ, .ffnUp, .ffnGate, .other:
                break
            }
            out[t.name] = type
        }
        return out
    }
}
