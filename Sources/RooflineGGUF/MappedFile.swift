#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file; weights are read in place, never copied.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let size: Int

    public init(path: String) throws(GGUFError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_NONBLOCK)  // a FIFO must not block the open; fstat refuses it below
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw .truncated(field: "header", offset: 0, needed: 24, fileSize: 0) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        #if os(Linux)
        // Transparent huge pages for the mapping (advice only): where the file's page cache holds 2 MiB folios
        // (reading it in through this mapping gives them), the weights map in 2 MiB pages, as the bandwidth
        // probe's buffer does (membw.c), so decode and probe see the same page size (the effect on decode was
        // measured mixed: docs/performance.md, "Measurements behind the code").
        _ = madvise(p, size, Int32(MADV_HUGEPAGE))
        #endif
        self.base = UnsafeRawPointer(p)
        self.size = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }
}
