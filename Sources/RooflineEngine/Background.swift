import Foundation

/// A value computed on a thread of its own, read (waiting for it) with `value`.
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: T?

    init(_ work: @escaping @Sendable () -> T) {
        let t = Thread { [self] in
            result = work()
            done.signal()
        }
        t.stackSize = 8 << 20
        t.start()
    }

    /// The result, once the work has finished (the first read waits for it).
    var value: T {
        done.wait()
        defer { done.signal() }  // later reads pass at once
        return result!  // set before the signal
    }
}
