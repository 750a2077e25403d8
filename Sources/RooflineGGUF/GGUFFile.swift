/// A parsed, memory-mapped GGUF file (format: ggml `docs/gguf.md`, reader: `ggml/src/gguf.cpp`).
public final class GGUFFile: @unchecked Sendable {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    public static let defaultAlignment = 32
    static let maxArrayDepth = 8
    /// Elements of all metadata arrays together. Each takes tens of bytes in memory however few it took in the
    /// file, so a bound keeps a forged array length from turning a small file into gigabytes; the largest
    /// vocabularies (tokens, types, scores and merges of ~260k-token models) hold about 1.5 million.
    public static let maxMetadataElements = 1 << 24

    public let mapped: MappedFile
    public let version: UInt32
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    private let tensorIndex: [String: Int]

    public var path: String { mapped.path }
    public var fileSize: Int { mapped.size }

    public convenience init(path: String) throws(GGUFError) {
        try self.init(mapped: MappedFile(path: path))
    }

    public init(mapped: MappedFile) throws(GGUFError) {
        self.mapped = mapped
        var c = ByteCursor(base: mapped.base, size: mapped.size)
        let magic = try c.read(UInt32.self, "magic")
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        version = try c.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        let tensorCount = try c.read(UInt64.self, "tensor count")
        let kvCount = try c.read(UInt64.self, "metadata count")
        // Every metadata entry takes at least 13 bytes, every tensor info at least 24.
        guard kvCount <= UInt64(c.remaining / 13) else { throw .countTooLarge(field: "metadata count", count: kvCount, fileSize: mapped.size) }
        guard tensorCount <= UInt64(c.remaining / 24) else { throw .countTooLarge(field: "tensor count", count: tensorCount, fileSize: mapped.size) }

        var keys: [String] = []
        var meta: [String: GGUFValue] = [:]
        var elements = 0
        for i in 0..<Int(kvCount) {
            let key = try c.readString("metadata key #\(i)")
            let raw = try c.read(UInt32.self, "type of '\(key)'")
            guard let type = GGUFValueType(rawValue: raw) else { throw .unknownValueType(key: key, rawType: raw) }
            let value = try Self.readValue(&c, type: type, key: key, depth: 0, elements: &elements)
            guard meta[key] == nil else { throw .duplicateKey(key) }
            meta[key] = value
            keys.append(key)
        }
        metadataKeys = keys
        metadata = meta

        var align = Self.defaultAlignment
        if let a = meta["general.alignment"] {
            guard let v = a.intValue, v > 0, v <= 1 << 20, v & (v - 1) == 0 else {
                throw .invalidAlignment(a.intValue.map { String($0) } ?? "\(a)")
            }
            align = v
        }
        alignment = align

        struct Raw { let name: String; let dims: [Int]; let type: GGMLType; let offset: UInt64; let bytes: Int }
        var raws: [Raw] = []
        var index: [String: Int] = [:]
        for i in 0..<Int(tensorCount) {
            let name = try c.readString("name of tensor #\(i)")
            let nDims = try c.read(UInt32.self, "dimension count of '\(name)'")
            guard nDims >= 1, nDims <= 4 else { throw .tooManyDimensions(tensor: name, count: nDims) }
            var dims: [Int] = []
            var count = 1
            for d in 0..<Int(nDims) {
                let v = try c.read(UInt64.self, "dimension \(d) of '\(name)'")
                guard v >= 1, v < UInt64(Int64.max) else { throw .invalidDimension(tensor: name, index: d, value: v) }
                let (p, o) = count.multipliedReportingOverflow(by: Int(v))
                guard !o, p < Int(Int64.max / 8) else { throw .elementCountOverflow(tensor: name) }
                count = p
                dims.append(Int(v))
            }
            let rawType = try c.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else { throw .unknownTensorType(tensor: name, rawType: rawType) }
            guard dims[0] % type.blockSize == 0 else { throw .rowNotBlockAligned(tensor: name, type: type, rowLength: dims[0]) }
            guard let bytes = type.byteCount(dims: dims) else { throw .elementCountOverflow(tensor: name) }
            let off = try c.read(UInt64.self, "data offset of '\(name)'")
            guard off % UInt64(align) == 0 else { throw .misalignedTensor(tensor: name, offset: off, alignment: align) }
            guard index[name] == nil else { throw .duplicateTensor(name) }
            index[name] = i
            raws.append(Raw(name: name, dims: dims, type: type, offset: off, bytes: bytes))
        }
        let dataStart = (c.offset + align - 1) / align * align
        dataOffset = dataStart
        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(raws.count)
        // As gguf.cpp requires: tensors lie in the data section in the order of their infos, each at the end of the
        // one before padded to the alignment, so no two overlap and no bytes are skipped.
        var expected: UInt64 = 0
        for r in raws {
            guard r.offset == expected else { throw .tensorOffset(tensor: r.name, offset: r.offset, expected: expected) }
            let padded = (UInt64(r.bytes) + UInt64(align) - 1) / UInt64(align) * UInt64(align)
            expected = expected &+ padded
            let size = mapped.size
            guard r.offset <= UInt64(size), dataStart + Int(r.offset) <= size, r.bytes <= size - (dataStart + Int(r.offset)) else {
                throw .tensorOutOfBounds(tensor: r.name, offset: dataStart &+ Int(truncatingIfNeeded: r.offset), size: r.bytes, fileSize: size)
            }
            infos.append(GGUFTensorInfo(name: r.name, dims: r.dims, type: r.type, fileOffset: dataStart + Int(r.offset), byteCount: r.bytes))
        }
        tensors = infos
        tensorIndex = index
    }

    private static func readValue(_ c: inout ByteCursor, type: GGUFValueType, key: String, depth: Int, elements: inout Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try c.read(UInt8.self, "value of '\(key)'"))
        case .int8: return .int8(try c.read(Int8.self, "value of '\(key)'"))
        case .uint16: return .uint16(try c.read(UInt16.self, "value of '\(key)'"))
        case .int16: return .int16(try c.read(Int16.self, "value of '\(key)'"))
        case .uint32: return .uint32(try c.read(UInt32.self, "value of '\(key)'"))
        case .int32: return .int32(try c.read(Int32.self, "value of '\(key)'"))
        case .uint64: return .uint64(try c.read(UInt64.self, "value of '\(key)'"))
        case .int64: return .int64(try c.read(Int64.self, "value of '\(key)'"))
        case .float32: return .float32(Float(bitPattern: try c.read(UInt32.self, "value of '\(key)'")))
        case .float64: return .float64(Double(bitPattern: try c.read(UInt64.self, "value of '\(key)'")))
        case .bool:
            let b = try c.read(UInt8.self, "value of '\(key)'")
            return .bool(b != 0)
        case .string: return .string(try c.readString("value of '\(key)'"))
        case .array:
            guard depth < maxArrayDepth else { throw .nestingTooDeep(key: key) }
            let raw = try c.read(UInt32.self, "array type of '\(key)'")
            guard let et = GGUFValueType(rawValue: raw) else { throw .unknownValueType(key: key, rawType: raw) }
            let n = try c.read(UInt64.self, "array length of '\(key)'")
            let minSize = et.fixedSize ?? (et == .string ? 8 : 12)
            guard n <= UInt64(c.remaining / minSize) else { throw .countTooLarge(field: "array length of '\(key)'", count: n, fileSize: c.size) }
            guard n <= UInt64(maxMetadataElements - elements) else { throw .tooManyElements(key: key, count: n, limit: maxMetadataElements) }
            elements += Int(n)
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<Int(n) { items.append(try readValue(&c, type: et, key: key, depth: depth + 1, elements: &elements)) }
            return .array(et, items)
        }
    }

    /// The tensor named `name`, if present.
    public func tensor(_ name: String) -> GGUFTensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// Pointer to a tensor's data inside the mapping.
    public func data(_ t: GGUFTensorInfo) -> UnsafeRawPointer { mapped.base + t.fileOffset }
}
