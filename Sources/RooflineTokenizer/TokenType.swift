/// Token types as GGUF stores them in `tokenizer.ggml.token_type` (llama.cpp `llama_token_type`).
public enum TokenType: Int, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

extension TokenType {
    /// Control, user-defined and unknown tokens: split out of text before BPE/SPM.
    var isSpecial: Bool {
        switch self {
        case .control, .userDefined, .unknown: true
        default: false
        }
    }
}
