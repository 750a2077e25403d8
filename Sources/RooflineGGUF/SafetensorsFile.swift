import Foundation

/// Element types of the safetensors format (its own spelling), with their sizes in bytes.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", u16 = "U16", i16 = "I16", u32 = "U32", i32 = "I32", u64 = "U64", i64 = "I64"
    case f16 = "F16", bf16 = "BF16", f32 = "F32", f64 = "F64"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: 1
        case .u16, .i16, .f16, .bf16: 2
        case .u32, .i32, .f32: 4
        case .u64, .i64, .f64: 8
        }
    }
}

/// One tensor of a safetensors file: where its bytes are in the map (row-major, little-endian).
public struct SafetensorsTensor: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Offset of the first byte from the start of the file.
    public let offset: Int
    public let byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file (an 8-byte little-endian header length, a JSON header, then the tensor bytes), memory
/// mapped: tensors are read in place. The header is checked as the reference implementation checks it: every
/// entry has a known dtype, a shape and offsets whose span matches, and the spans tile the data exactly.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: SafetensorsTensor]
    /// Names in file order.
    public let names: [String]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let map: MappedFile

    /// Header lengths above this are refused (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public init(path: String) throws(SafetensorsError) {
        self.path = path
        do {
            map = try MappedFile(path: path)
        } catch {
            if case .cannotOpen(_, let reason) = error { throw .cannotOpen(path: path, reason: reason) }
            throw .truncated(path: path, needed: 8, fileSize: 0)
        }
        let size = map.size
        guard size >= 8 else { throw .truncated(path: path, needed: 8, fileSize: size) }
        let length = map.base.loadUnaligned(as: UInt64.self).littleEndian
        guard length <= UInt64(Self.maxHeaderBytes) else { throw .headerTooLarge(path: path, length: length, limit: Self.maxHeaderBytes) }
        let dataStart = 8 + Int(length)
        guard dataStart <= size else { throw .truncated(path: path, needed: dataStart, fileSize: size) }
        let json = Data(bytes: map.base + 8, count: Int(length))
        guard json.first == UInt8(ascii: "{") else { throw .invalidHeader(path: path, reason: "the header does not start with '{'") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw .invalidHeader(path: path, reason: "the header is not valid JSON")
        }
        guard let header = object as? [String: Any] else { throw .invalidHeader(path: path, reason: "the header is not a JSON object") }

        var meta: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let dict = m as? [String: Any] else { throw .invalidHeader(path: path, reason: "__metadata__ is not an object") }
            for (k, v) in dict {
                guard let s = v as? String else { throw .invalidHeader(path: path, reason: "__metadata__['\(k)'] is not a string") }
                meta[k] = s
            }
        }
        metadata = meta

        var parsed: [SafetensorsTensor] = []
        for (name, value) in header where name != "__metadata__" {
            parsed.append(try Self.entry(name, value, path: path, dataStart: dataStart))
        }
        // The spans must tile the data: sorted by offset, each starts where the previous ended, the last at the end.
        parsed.sort { $0.offset != $1.offset ? $0.offset < $1.offset : $0.byteCount < $1.byteCount }
        var expected = dataStart
        for t in parsed {
            guard t.offset == expected else {
                throw .invalidTensor(path: path, name: t.name, reason: t.offset < expected
                    ? "its bytes overlap the previous tensor's" : "a gap of \(t.offset - expected) bytes precedes it")
            }
            expected += t.byteCount
        }
        guard expected <= size else { throw .truncated(path: path, needed: expected, fileSize: size) }
        guard expected == size else {
            throw .invalidHeader(path: path, reason: "\(size - expected) bytes after the last tensor are not described by the header")
        }
        names = parsed.map(\.name)
        tensors = Dictionary(uniqueKeysWithValues: parsed.map { ($0.name, $0) })
    }

    private static func entry(_ name: String, _ value: Any, path: String, dataStart: Int) throws(SafetensorsError) -> SafetensorsTensor {
        guard let e = value as? [String: Any] else { throw .invalidTensor(path: path, name: name, reason: "the entry is not an object") }
        guard let ds = e["dtype"] as? String else { throw .invalidTensor(path: path, name: name, reason: "missing dtype") }
        guard let dtype = SafetensorsDType(rawValue: ds) else { throw .unknownDType(path: path, name: name, dtype: ds) }
        guard let rawShape = e["shape"] as? [Any] else { throw .invalidTensor(path: path, name: name, reason: "missing shape") }
        var shape: [Int] = []
        for d in rawShape {
            guard let n = integer(d), n >= 0, n < 1 << 40 else {
                throw .invalidTensor(path: path, name: name, reason: "shape \(rawShape) is not a list of non-negative integers")
            }
            shape.append(Int(n))
        }
        guard let offs = e["data_offsets"] as? [Any], offs.count == 2,
              let begin = integer(offs[0]), let end = integer(offs[1]), begin >= 0, end >= begin, end < 1 << 50 else {
            throw .invalidTensor(path: path, name: name, reason: "data_offsets must be two integers [begin, end] with begin <= end")
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let span = Int(end - begin)
        guard !overflow, count.multipliedReportingOverflow(by: dtype.byteSize).overflow == false, count * dtype.byteSize == span else {
            throw .invalidTensor(path: path, name: name, reason: "shape \(shape) of \(ds) needs \(count &* dtype.byteSize) bytes but its offsets span \(span)")
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape, offset: dataStart + Int(begin), byteCount: span)
    }

    /// A JSON integer (not a float, not a boolean), as JSONSerialization hands it over.
    private static func integer(_ v: Any) -> Int64? {
        guard let n = v as? NSNumber else { return nil }
        let kind = String(cString: n.objCType)
        guard kind != "d", kind != "f", kind != "c", kind != "B" else { return nil }
        return n.int64Value
    }

    /// The bytes of a tensor, in the map.
    public func data(_ t: SafetensorsTensor) -> UnsafeRawPointer { map.base + t.offset }

    /// The tensor's values as Float (F32, F16, BF16, F64 and the integer types), a copy for small tensors and
    /// tests; nil for FP8 (which needs its scales).
    public func floats(_ t: SafetensorsTensor) -> [Float]? {
        let p = data(t), n = t.elementCount
        switch t.dtype {
        case .f32: return (0..<n).map { Float(bitPattern: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
        case .f64: return (0..<n).map { Float(Double(bitPattern: p.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian)) }
        case .f16: return (0..<n).map { Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian)) }
        case .bf16: return (0..<n).map { Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian) << 16) }
        case .i8: return (0..<n).map { Float(p.load(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: return (0..<n).map { Float(p.load(fromByteOffset: $0, as: UInt8.self)) }
        case .i16: return (0..<n).map { Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
        case .u16: return (0..<n).map { Float(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .i32: return (0..<n).map { Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        case .u32: return (0..<n).map { Float(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        case .i64: return (0..<n).map { Float(Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
        case .u64: return (0..<n).map { Float(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        case .f8e4m3, .f8e5m2: return nil
        }
    }
}
