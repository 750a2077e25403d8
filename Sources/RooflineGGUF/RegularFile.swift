import Foundation

/// Reads a whole small file (JSON configs, tokenizer files, texts), refusing anything that is not a regular
/// file before opening it (a FIFO or device would block or never end) and anything larger than `maxBytes`
/// before reading it. Errors are sentences naming the path.
public func readRegularFile(_ path: String, maxBytes: Int = 1 << 30) throws(RegularFileError) -> Data {
    var st = stat()
    guard stat(path, &st) == 0 else { throw RegularFileError(path: path, reason: String(cString: strerror(errno))) }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw RegularFileError(path: path, reason: "not a regular file") }
    guard Int(st.st_size) <= maxBytes else {
        throw RegularFileError(path: path, reason: "\(st.st_size) bytes, more than the \(maxBytes) this file may have")
    }
    let fd = open(path, O_RDONLY | O_NONBLOCK)
    guard fd >= 0 else { throw RegularFileError(path: path, reason: String(cString: strerror(errno))) }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    do {
        return try handle.read(upToCount: maxBytes) ?? Data()
    } catch {
        throw RegularFileError(path: path, reason: "\(error.localizedDescription)")
    }
}

/// Why a file could not be read by `readRegularFile`.
public struct RegularFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "cannot read '\(path)': \(reason)" }
}
