import CRooflineKernels
import Foundation

/// A persistent pool of OS threads for the math (never Swift's cooperative threads).
public final class ThreadPool: @unchecked Sendable {
    let raw: OpaquePointer
    public let count: Int
    /// Held by whoever runs work on the pool through a model (one forward pass at a time, whichever model).
    public let lock = NSLock()

    public init(threads: Int) {
        raw = rf_pool_create(Int32(max(1, threads)))
        count = Int(rf_pool_size(raw))
    }

    deinit { rf_pool_destroy(raw) }
}

extension ThreadPool {
    /// Median memory read bandwidth in bytes/s with every pool thread streaming its slice of a `bytes` buffer.
    public func measureReadBandwidth(bytes: Int = 1 << 30, passes: Int = 9) -> Double {
        rf_measure_read_bandwidth(raw, bytes, Int32(passes))
    }
}
