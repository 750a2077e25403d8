/// Why a safetensors file or checkpoint folder could not be read; every case names what is wrong.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case truncated(path: String, needed: Int, fileSize: Int)
    case headerTooLarge(path: String, length: UInt64, limit: Int)
    case invalidHeader(path: String, reason: String)
    case invalidTensor(path: String, name: String, reason: String)
    case unknownDType(path: String, name: String, dtype: String)
    case missingTensor(name: String, folder: String)
    case noWeights(folder: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "cannot open \(p): \(r)"
        case .truncated(let p, let n, let s): "\(p) is truncated: \(n) bytes needed, the file has \(s)"
        case .headerTooLarge(let p, let l, let m): "\(p): the header claims \(l) bytes, more than the \(m)-byte limit (not a safetensors file?)"
        case .invalidHeader(let p, let r): "\(p): invalid safetensors header: \(r)"
        case .invalidTensor(let p, let n, let r): "\(p): tensor '\(n)': \(r)"
        case .unknownDType(let p, let n, let d): "\(p): tensor '\(n)' has the unknown dtype '\(d)'"
        case .missingTensor(let n, let f): "\(f): tensor '\(n)' is listed in the index but in none of its files"
        case .noWeights(let f): "\(f) holds no *.safetensors files"
        }
    }
}
