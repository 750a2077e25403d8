#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a GGUF v3 file: metadata, tensor infos, aligned tensor data.
/// `write(to:)` writes to a temporary name beside the target and renames it when complete.
public struct GGUFWriter: Sendable {
    public struct Tensor: Sendable {
        public let name: String
        public let dims: [Int]
        public let type: GGMLType
        public let data: [UInt8]
    }

    public var version: UInt32 = 3
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [Tensor] = []

    public init() {}

    public var alignment: Int {
        // A value a reader would refuse (not a power of two in 1...2^20) still writes: data padded to the default.
        let a = metadata.first(where: { $0.key == "general.alignment" })?.value.intValue ?? GGUFFile.defaultAlignment
        return a > 0 && a <= 1 << 20 && a & (a - 1) == 0 ? a : GGUFFile.defaultAlignment
    }

    /// Sets (or replaces) a metadata value, keeping first-set order.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) { metadata[i].value = value } else { metadata.append((key, value)) }
    }

    /// Removes a metadata key (no-op when absent).
    public mutating func remove(_ key: String) { metadata.removeAll { $0.key == key } }

    /// Adds a tensor; `dims` in ggml order (row length first); `data` must hold exactly the type's byte size.
    public mutating func addTensor(name: String, dims: [Int], type: GGMLType, data: [UInt8]) throws(GGUFError) {
        guard !dims.isEmpty, dims.count <= 4, dims.allSatisfy({ $0 > 0 }) else { throw .tooManyDimensions(tensor: name, count: UInt32(dims.count)) }
        guard dims[0] % type.blockSize == 0 else { throw .rowNotBlockAligned(tensor: name, type: type, rowLength: dims[0]) }
        guard let n = type.byteCount(dims: dims), n == data.count else {
            throw .tensorOutOfBounds(tensor: name, offset: 0, size: data.count, fileSize: type.byteCount(dims: dims) ?? -1)
        }
        guard !tensors.contains(where: { $0.name == name }) else { throw .duplicateTensor(name) }
        tensors.append(Tensor(name: name, dims: dims, type: type, data: data))
    }

    /// Adds an F32 tensor from floats.
    public mutating func addTensor(name: String, dims: [Int], floats: [Float]) throws(GGUFError) {
        var bytes = [UInt8](repeating: 0, count: floats.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (i, f) in floats.enumerated() { raw.storeBytes(of: f.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        try addTensor(name: name, dims: dims, type: .f32, data: bytes)
    }

    /// The whole file as bytes.
    public func serialize() -> [UInt8] {
        var out = serializeHeader(tensors: tensors.map { ($0.name, $0.dims, $0.type) })
        out.reserveCapacity(out.count + tensors.reduce(0) { $0 + $1.data.count + alignment })
        let align = alignment
        for t in tensors {
            out.append(contentsOf: t.data)
            pad(&out, align)
        }
        return out
    }

    /// Header, metadata and tensor infos for tensors of the given shapes (data offsets computed from their
    /// sizes), padded to the alignment: everything before the first tensor's data.
    func serializeHeader(tensors infos: [(name: String, dims: [Int], type: GGMLType)]) -> [UInt8] {
        var out: [UInt8] = []
        put(&out, GGUFFile.magic)
        put(&out, version)
        put(&out, UInt64(infos.count))
        put(&out, UInt64(metadata.count))
        for (key, value) in metadata {
            putString(&out, key)
            put(&out, value.type.rawValue)
            putValue(&out, value)
        }
        let align = alignment
        var offset = 0
        for t in infos {
            putString(&out, t.name)
            put(&out, UInt32(t.dims.count))
            for d in t.dims { put(&out, UInt64(d)) }
            put(&out, t.type.rawValue)
            put(&out, UInt64(offset))
            let bytes = t.type.byteCount(dims: t.dims) ?? 0
            offset += (bytes + align - 1) / align * align
        }
        pad(&out, align)
        return out
    }

    /// Writes the file atomically: to a temporary file beside `path` (`TempFile`), then renamed over `path`.
    public func write(to path: String) throws(GGUFError) {
        try AtomicFile.write(serialize(), to: path)
    }

    private func pad(_ out: inout [UInt8], _ align: Int) {
        let r = out.count % align
        if r != 0 { out.append(contentsOf: repeatElement(0, count: align - r)) }
    }

    private func put<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    private func putString(_ out: inout [UInt8], _ s: String) {
        let u = Array(s.utf8)
        put(&out, UInt64(u.count))
        out.append(contentsOf: u)
    }

    private func putValue(_ out: inout [UInt8], _ v: GGUFValue) {
        switch v {
        case .uint8(let x): put(&out, x)
        case .int8(let x): put(&out, x)
        case .uint16(let x): put(&out, x)
        case .int16(let x): put(&out, x)
        case .uint32(let x): put(&out, x)
        case .int32(let x): put(&out, x)
        case .uint64(let x): put(&out, x)
        case .int64(let x): put(&out, x)
        case .float32(let x): put(&out, x.bitPattern)
        case .float64(let x): put(&out, x.bitPattern)
        case .bool(let b): put(&out, UInt8(b ? 1 : 0))
        case .string(let s): putString(&out, s)
        case .array(let et, let items):
            put(&out, et.rawValue)
            put(&out, UInt64(items.count))
            for item in items { putValue(&out, item) }
        }
    }
}

/// Writes files under a temporary name and renames them into place only when complete.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(GGUFError) {
        let (fd, tmp) = try TempFile.create(beside: path)
        let ok = writeAll(fd, bytes)
        let reason = ok ? "" : String(cString: strerror(errno))
        close(fd)
        guard ok else { TempFile.discard(tmp); throw .writeFailed(path: path, reason: reason) }
        try TempFile.commit(tmp, to: path)
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR; false on error (errno says why).
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            if n <= 0 { if errno == EINTR { continue }; return false }
            done += n
        }
        return true
    }
}
