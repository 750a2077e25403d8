import RooflineGGUF

/// Problems with a model's description or weights, named so a user can act on them.
public enum ModelError: Error, CustomStringConvertible {
    case unsupportedArchitecture(String)
    case invalidHyperparameter(key: String, value: String, reason: String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unsupportedTensorType(name: String, type: GGMLType)
    case unsupportedTensor(name: String, reason: String)
    case format(GGUFError)
    case contextFull(needed: Int, capacity: Int)
    case invalidToken(Int32, vocabSize: Int)
    case kvPoolExhausted(positions: Int, blocks: Int)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a):
            return "model architecture '\(a)' is not supported yet (supported: \(ModelConfig.supportedArchitectures.sorted().joined(separator: ", ")))"
        case .invalidHyperparameter(let key, let value, let reason):
            return "metadata '\(key)' = \(value) is invalid: \(reason)"
        case .tensorShape(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type):
            return "tensor '\(name)' has type \(type), which Roofline cannot compute with yet"
        case .unsupportedTensor(let name, let reason):
            return "tensor '\(name)': \(reason)"
        case .format(let e):
            return e.description
        case .contextFull(let needed, let capacity):
            return "the sequence needs \(needed) positions but the context holds \(capacity)"
        case .invalidToken(let t, let n):
            return "token id \(t) is outside the vocabulary (0..<\(n))"
        case .kvPoolExhausted(let positions, let blocks):
            return "no KV block is free for a sequence of \(positions) positions (the pool holds \(blocks) blocks of \(KVBlockPool.blockSize), all in use)"
        }
    }
}
