#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a GGUF file tensor by tensor, so a converter never holds more than one tensor in memory.
/// The header (metadata and every tensor's info) is written first from the declared shapes and types; then
/// `append` writes each tensor's bytes in declaration order. Everything goes to a temporary file beside the
/// target (`TempFile`: created exclusively, removed on SIGINT/SIGTERM), renamed over it only by `finish()`; `abandon()` (or an error) removes it, so a failure never
/// leaves a partial file under the target's name.
public final class GGUFStreamWriter {
    public struct TensorDecl: Sendable {
        public let name: String
        public let dims: [Int]
        public let type: GGMLType
        public init(name: String, dims: [Int], type: GGMLType) { self.name = name; self.dims = dims; self.type = type }
        public var byteCount: Int? { type.byteCount(dims: dims) }
    }

    public let path: String
    let tmpPath: String
    private var fd: Int32
    private let decls: [TensorDecl]
    private var next = 0
    private let alignment: Int
    public private(set) var bytesWritten = 0

    public init(path: String, metadata: [(key: String, value: GGUFValue)], tensors: [TensorDecl]) throws(GGUFError) {
        self.path = path
        decls = tensors
        var header = GGUFWriter()
        for (k, v) in metadata { header.set(k, v) }
        alignment = header.alignment
        (fd, tmpPath) = try TempFile.create(beside: path)
        do {
            try write(header.serializeHeader(tensors: tensors.map { ($0.name, $0.dims, $0.type) }))
        } catch {
            abandon()
            throw error
        }
    }

    deinit { if fd >= 0 { abandon() } }

    /// Writes the next tensor's bytes; they must match the declared size.
    public func append(_ bytes: [UInt8]) throws(GGUFError) {
        guard next < decls.count else { abandon(); throw .writeFailed(path: path, reason: "more tensors written than declared") }
        let d = decls[next]
        guard let n = d.byteCount, n == bytes.count else {
            abandon()
            throw .writeFailed(path: path, reason: "tensor '\(d.name)' has \(bytes.count) bytes, declared \(d.byteCount ?? -1)")
        }
        try write(bytes)
        let pad = (alignment - bytes.count % alignment) % alignment
        if pad > 0 { try write([UInt8](repeating: 0, count: pad)) }
        next += 1
    }

    /// Checks every tensor was written, then renames the temporary file over the target.
    public func finish() throws(GGUFError) {
        guard next == decls.count else { abandon(); throw .writeFailed(path: path, reason: "only \(next) of \(decls.count) tensors were written") }
        let ok = fsync(fd) == 0
        close(fd)
        fd = -1
        guard ok else {
            let r = String(cString: strerror(errno))
            TempFile.discard(tmpPath)
            throw .writeFailed(path: path, reason: r)
        }
        try TempFile.commit(tmpPath, to: path)
    }

    /// Stops and removes the temporary file.
    public func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        TempFile.discard(tmpPath)
    }

    private func write(_ bytes: [UInt8]) throws(GGUFError) {
        let ok = writeAll(fd, bytes)
        guard ok else {
            let r = String(cString: strerror(errno))
            abandon()
            throw .writeFailed(path: path, reason: r)
        }
        bytesWritten += bytes.count
    }
}
