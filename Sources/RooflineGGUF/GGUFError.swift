/// Everything that can be wrong with a GGUF file, with the detail a user needs to act on it.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(field: String, offset: Int, needed: Int, fileSize: Int)
    case countTooLarge(field: String, count: UInt64, fileSize: Int)
    case invalidString(field: String, offset: Int)
    case unknownValueType(key: String, rawType: UInt32)
    case nestingTooDeep(key: String)
    case duplicateKey(String)
    case duplicateTensor(String)
    case tooManyDimensions(tensor: String, count: UInt32)
    case invalidDimension(tensor: String, index: Int, value: UInt64)
    case elementCountOverflow(tensor: String)
    case unknownTensorType(tensor: String, rawType: UInt32)
    case rowNotBlockAligned(tensor: String, type: GGMLType, rowLength: Int)
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case tensorOutOfBounds(tensor: String, offset: Int, size: Int, fileSize: Int)
    case invalidAlignment(String)
    case tensorOffset(tensor: String, offset: UInt64, expected: UInt64)
    case tooManyElements(key: String, count: UInt64, limit: Int)
    case wrongMetadataType(key: String, expected: String, found: String)
    case missingKey(String)
    case missingTensor(String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open model file '\(path)': \(reason)"
        case .badMagic(let found):
            let hex = String(found, radix: 16)
            return "not a GGUF file: the first 4 bytes are 0x\(hex), expected 'GGUF'"
        case .unsupportedVersion(let v):
            return "unsupported GGUF version \(v) (Roofline reads versions 2 and 3)"
        case .truncated(let field, let offset, let needed, let fileSize):
            return "GGUF file is truncated: reading \(field) needs \(needed) bytes at offset \(offset), but the file has \(fileSize) bytes"
        case .countTooLarge(let field, let count, let fileSize):
            return "GGUF \(field) is \(count), more than a file of \(fileSize) bytes can hold (is the file truncated or corrupt?)"
        case .invalidString(let field, let offset):
            return "GGUF \(field) at offset \(offset) is not valid UTF-8"
        case .unknownValueType(let key, let raw):
            return "metadata key '\(key)' has unknown value type \(raw)"
        case .nestingTooDeep(let key):
            return "metadata key '\(key)' nests arrays too deeply"
        case .duplicateKey(let key):
            return "metadata key '\(key)' appears twice"
        case .duplicateTensor(let name):
            return "tensor '\(name)' appears twice"
        case .tooManyDimensions(let tensor, let count):
            return "tensor '\(tensor)' has \(count) dimensions (at most 4 allowed)"
        case .invalidDimension(let tensor, let index, let value):
            return "tensor '\(tensor)' dimension \(index) is \(value)"
        case .elementCountOverflow(let tensor):
            return "tensor '\(tensor)': the product of its dimensions overflows"
        case .unknownTensorType(let tensor, let raw):
            return "tensor '\(tensor)' has unknown ggml type id \(raw)"
        case .rowNotBlockAligned(let tensor, let type, let rowLength):
            return "tensor '\(tensor)': row length \(rowLength) is not a multiple of the \(type) block size \(type.blockSize)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            return "tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(let tensor, let offset, let size, let fileSize):
            return "tensor '\(tensor)' data (\(size) bytes at offset \(offset)) extends past the end of the file (\(fileSize) bytes)"
        case .tensorOffset(let tensor, let offset, let expected):
            return "tensor '\(tensor)' has data offset \(offset), expected \(expected): tensor data must follow one another in order, each padded to the alignment (overlapping or shifted data)"
        case .tooManyElements(let key, let count, let limit):
            return "metadata array '\(key)' of \(count) elements takes the file's metadata arrays past \(limit) elements"
        case .invalidAlignment(let a):
            return "general.alignment is \(a); it must be a power of two no larger than 2^20"
        case .wrongMetadataType(let key, let expected, let found):
            return "metadata key '\(key)' should be \(expected) but is \(found)"
        case .missingKey(let key):
            return "required metadata key '\(key)' is missing"
        case .missingTensor(let name):
            return "required tensor '\(name)' is missing"
        case .writeFailed(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        }
    }
}
