import Foundation

/// A flag another thread sets to stop a long tokenization or template render; the work checks it between
/// pieces and throws `TokenizerError.cancelled`.
public final class CancelCheck: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    public init() {}

    public var isCancelled: Bool { lock.withLock { flag } }

    public func cancel() { lock.withLock { flag = true } }
}
