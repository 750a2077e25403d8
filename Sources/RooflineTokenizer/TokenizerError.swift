/// Problems with a tokenizer's description in a model file.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unsupportedModel(String)
    case unsupportedPreTokenizer(String)
    case missingMetadata(String)
    case inconsistentMetadata(String)
    case badChatTemplate(String)
    case cancelled

    public var description: String {
        switch self {
        case .unsupportedModel(let m): "tokenizer model '\(m)' is not supported (supported: gpt2, llama)"
        case .unsupportedPreTokenizer(let p): "pre-tokenizer '\(p)' is not supported (supported: \(PreTokenizer.supportedNames.sorted().joined(separator: ", ")))"
        case .missingMetadata(let k): "tokenizer metadata '\(k)' is missing"
        case .inconsistentMetadata(let why): "tokenizer metadata is inconsistent: \(why)"
        case .badChatTemplate(let why): "chat template error: \(why)"
        case .cancelled: "tokenization was cancelled"
        }
    }
}
