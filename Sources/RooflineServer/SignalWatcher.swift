import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `onSignal` once on the first SIGINT or SIGTERM (the default handlers are replaced while it watches;
/// a second signal during shutdown exits at once).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var fired = false
    private let queue = DispatchQueue(label: "roofline.signals")

    init(onSignal: @escaping @Sendable () async -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if self.fired { exit(130) }
                self.fired = true
                Task { await onSignal() }
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        queue.sync {
            for s in sources { s.cancel() }
            sources.removeAll()
        }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
