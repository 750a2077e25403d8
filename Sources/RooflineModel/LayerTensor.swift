/// One tensor of a layer as an architecture declares it: what it is to the layer (`role`), its GGUF name under
/// `blk.N.` (llama.cpp's `create_tensor` calls in `load_tensors`), its dimensions in terms of the hyperparameters,
/// whether a layer must have it, and the Hugging Face checkpoint tensors it is made from under `model.layers.N.`
/// (the converter's mapping, gguf-py's tensor_mapping.py). `ModelWeights` loads each layer from its
/// architecture's declarations and refuses any tensor none of them names; the importer (RooflineImport) maps a
/// checkpoint by the same declarations. The shared declarations are in Architectures/CommonTensors.swift.
public struct LayerTensor: Sendable, Equatable {
    /// The field of `ModelWeights.Layer` (or of its experts) the tensor fills.
    public enum Role: String, Sendable, CaseIterable {
        case attnNorm, wq, wk, wv, wqkv, bq, bk, bv, bqkv, qNorm, kNorm, wo, bo, sinks, attnPostNorm
        case ffnNorm, gate, up, gateUp, down, ffnPostNorm
        case router, routerBias, gateExperts, upExperts, downExperts, gateExpertsBias, upExpertsBias, downExpertsBias
    }

    /// A dimension as a hyperparameter: the embedding width, Q / K-V / fused QKV widths (heads × head size), the
    /// FFN width and twice it (a fused gate and up), one head, the head count, the experts and an expert's FFN width.
    public enum Dim: Sendable, Equatable { case embedding, q, kv, qkv, ff, twoFF, head, heads, experts, expertFF }

    public enum Presence: Sendable, Equatable {
        case required, optional
        /// Required unless the layer has the tensor of that role (Q, K and V unless the fused `attn_qkv`).
        case unless(Role)
        /// Required in a dense model (`expert_count` 0) and absent from a mixture of experts; `.experts` the reverse.
        case dense, experts
    }

    public let role: Role
    /// The name after `blk.N.`, e.g. `attn_q.weight`.
    public let name: String
    /// GGUF order, innermost first.
    public let dims: [Dim]
    public let presence: Presence
    /// Checkpoint tensors, by alternative: the first alternative the checkpoint has is imported. Several names in one
    /// alternative are concatenated along the outermost dimension (Phi-3's gate then up), and `{e}` stands for each
    /// expert's index (the experts are stacked). Empty: not imported by name (gpt-oss's experts, which the importer's
    /// own code reshapes, or a tensor checkpoints do not have).
    public let huggingFace: [[String]]

    public init(_ role: Role, _ name: String, _ dims: [Dim], _ presence: Presence = .required, hf: [[String]]) {
        self.role = role
        self.name = name
        self.dims = dims
        self.presence = presence
        self.huggingFace = hf
    }

    public init(_ role: Role, _ name: String, _ dims: [Dim], _ presence: Presence = .required, hf: String) {
        self.init(role, name, dims, presence, hf: [[hf]])
    }

    /// Whether a layer must have this tensor, given whether the model has experts and whether the layer has the
    /// tensor a `.unless` names.
    public func isRequired(experts: Bool, has: (Role) -> Bool) -> Bool {
        switch presence {
        case .required: true
        case .optional: false
        case .unless(let other): !has(other)
        case .dense: !experts
        case .experts: experts
        }
    }
}

extension ModelArchitecture {
    /// The declaration of `role`, when the family has one.
    public func tensor(_ role: LayerTensor.Role) -> LayerTensor? { tensors.first { $0.role == role } }
}
