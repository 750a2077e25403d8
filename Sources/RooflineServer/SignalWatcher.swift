import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the watcher's pipe, for the signal handler (a C function pointer cannot capture it).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Runs `onSignal` once on the first SIGINT or SIGTERM (the default handlers are replaced while it watches;
/// a second signal during shutdown exits at once).
///
/// A plain handler writes the signal's number to a pipe that a thread of the watcher reads (the self-pipe
/// pattern), whichever thread the signal lands on. With a dispatch signal source instead, a server once
/// ignored its first SIGTERM in the test suite and never exited (a second one shut it down cleanly); most
/// likely the signal reached one of the engine's worker threads, created before the source with it unblocked.
final class SignalWatcher: @unchecked Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    init(onSignal: @escaping @Sendable () async -> Void) throws(SignalWatcherError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SignalWatcherError(reason: String(cString: strerror(errno))) }
        readEnd = fds[0]
        writeEnd = fds[1]
        signalPipeWriteEnd = fds[1]
        let handler: @convention(c) (Int32) -> Void = { sig in
            var byte = UInt8(truncatingIfNeeded: sig)
            _ = write(signalPipeWriteEnd, &byte, 1)  // async-signal-safe
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        let fd = readEnd
        let thread = Thread {
            var fired = false
            var byte: UInt8 = 0
            while true {
                let n = read(fd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { close(fd); return }  // stop() closed the write end
                if fired { exit(130) }
                fired = true
                Task { await onSignal() }
            }
        }
        thread.name = "roofline.signals"
        thread.start()
    }

    /// Restores the default handlers and ends the watching thread.
    func stop() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signalPipeWriteEnd = -1
        close(writeEnd)
    }
}

/// The watcher could not be set up (its pipe could not be created: out of file descriptors, most likely).
struct SignalWatcherError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "cannot watch for SIGINT/SIGTERM: pipe() failed: \(reason)" }
}
