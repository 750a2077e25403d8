#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Temporary files written beside a target and renamed over it when complete.
///
/// Each is created with `O_CREAT | O_EXCL | O_NOFOLLOW` under a name with the process id and a random part
/// (`.NAME.tmp-PID-RANDOM` in the target's folder), so a symlink or file planted at a predictable name is never
/// followed or overwritten. While any is open, SIGINT and SIGTERM remove them before the process ends; ones left
/// by a process that was killed outright (SIGKILL, power loss) are removed by the next `create` beside the same
/// target, once no live process owns them.
public enum TempFile {
    /// Opens a new temporary file for writing beside `target`; returns its descriptor and path.
    public static func create(beside target: String) throws(GGUFError) -> (fd: Int32, path: String) {
        let (dir, name) = split(target)
        removeStale(dir: dir, name: name)
        for _ in 0..<16 {
            let path = dir + "/." + name + ".tmp-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 {
                SignalCleanup.register(path)
                return (fd, path)
            }
            if errno != EEXIST { throw .writeFailed(path: target, reason: String(cString: strerror(errno))) }
        }
        throw .writeFailed(path: target, reason: "could not create a temporary file beside it")
    }

    /// Renames a complete temporary file over its target.
    public static func commit(_ path: String, to target: String) throws(GGUFError) {
        defer { SignalCleanup.unregister(path) }
        guard rename(path, target) == 0 else {
            let r = String(cString: strerror(errno))
            unlink(path)
            throw .writeFailed(path: target, reason: r)
        }
    }

    /// Removes a temporary file that will not be completed.
    public static func discard(_ path: String) {
        unlink(path)
        SignalCleanup.unregister(path)
    }

    static func split(_ target: String) -> (dir: String, name: String) {
        guard let slash = target.lastIndex(of: "/") else { return (".", target) }
        let dir = String(target[..<slash])
        return (dir.isEmpty ? "/" : dir, String(target[target.index(after: slash)...]))
    }

    /// Removes `.NAME.tmp-PID-*` files in `dir` whose process is gone.
    static func removeStale(dir: String, name: String) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        let prefix = "." + name + ".tmp-"
        while let e = readdir(d) {
            let entry = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard entry.hasPrefix(prefix) else { continue }
            let rest = entry.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH { unlink(dir + "/" + entry) }
        }
    }
}
