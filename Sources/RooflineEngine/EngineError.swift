import RooflineGGUF
import RooflineModel
import RooflineSampling
import RooflineTokenizer

/// Errors the engine reports to its callers, wrapping each layer's own.
public enum EngineError: Error, CustomStringConvertible {
    case model(ModelError)
    case tokenizer(TokenizerError)
    case format(GGUFError)
    case store(ModelStore.Error)
    case sampling(SamplingParameters.ValidationError)
    case promptTooLong(promptTokens: Int, contextSize: Int)
    case emptyPrompt
    case textTooShort(tokens: Int, needed: Int)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .model(let e): e.description
        case .tokenizer(let e): e.description
        case .format(let e): e.description
        case .store(let e): e.description
        case .sampling(let e): e.description
        case .promptTooLong(let p, let c): "the prompt has \(p) tokens but the context holds \(c); shorten the prompt or raise the context size"
        case .emptyPrompt: "the prompt is empty (this model adds no BOS token, so there is nothing to start from)"
        case .textTooShort(let t, let n): "the text has \(t) tokens; at least \(n) are needed (2 × the context size)"
        case .invalidArgument(let m): m
        }
    }
}
