/// One tensor's description in a GGUF file: name, shape (ggml order: `dims[0]` is the row length), type and data.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// ggml order: `dims[0]` is the number of elements in a row (the contiguous dimension).
    public let dims: [Int]
    public let type: GGMLType
    /// Offset of the data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
    public var rowLength: Int { dims.first ?? 1 }
    public var rowCount: Int { elementCount / max(rowLength, 1) }
    public var rowByteCount: Int { byteCount / max(rowCount, 1) }
}
