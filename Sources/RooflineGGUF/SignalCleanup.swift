#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes registered temporary files when SIGINT or SIGTERM ends the process, then lets the signal take its
/// usual course. Paths live in a fixed table of C strings that the handler reads without allocating or
/// locking (only `unlink`, `signal` and `raise`, which are async-signal-safe, run in the handler); the table is
/// changed under a lock, with the signals blocked so the handler never sees half a path.
enum SignalCleanup {
    static let slots = 16
    static let pathBytes = 4096
    /// (slots × pathBytes) NUL-terminated paths; an empty string is a free slot.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: slots * pathBytes)
        p.initialize(repeating: 0, count: slots * pathBytes)
        return p
    }()
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    nonisolated(unsafe) static var installed = false
    private static let setUp: Void = { pthread_mutex_init(&lock, nil) }()

    static func register(_ path: String) {
        let bytes = Array(path.utf8)
        guard bytes.count < pathBytes else { return }
        withTable {
            for s in 0..<slots where table[s * pathBytes] == 0 {
                for (k, b) in bytes.enumerated() { table[s * pathBytes + k] = CChar(bitPattern: b) }
                table[s * pathBytes + bytes.count] = 0
                break
            }
            if !installed {
                signal(SIGINT, handler)
                signal(SIGTERM, handler)
                installed = true
            }
        }
    }

    static func unregister(_ path: String) {
        withTable {
            for s in 0..<slots where String(cString: table + s * pathBytes) == path { table[s * pathBytes] = 0 }
        }
    }

    private static func withTable(_ body: () -> Void) {
        _ = setUp
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGINT)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        pthread_mutex_lock(&lock)
        body()
        pthread_mutex_unlock(&lock)
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }

    private static let handler: @convention(c) (Int32) -> Void = { sig in
        for s in 0..<SignalCleanup.slots where SignalCleanup.table[s * SignalCleanup.pathBytes] != 0 {
            unlink(SignalCleanup.table + s * SignalCleanup.pathBytes)
        }
        signal(sig, SIG_DFL)
        raise(sig)
    }
}
