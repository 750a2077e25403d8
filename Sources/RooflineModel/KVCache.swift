/// The key/value cache of one sequence, F16 like llama.cpp's default cache type.
/// Layout per layer: keys `(capacity, kvDim)` then values `(capacity, kvDim)`, allocated once.
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let capacity: Int
    public let kvDim: Int
    /// Positions filled so far.
    public internal(set) var count: Int = 0
    let keys: UnsafeMutablePointer<UInt16>    // (layers, capacity, kvDim)
    let values: UnsafeMutablePointer<UInt16>  // (layers, capacity, kvDim)

    public init(config: LlamaConfig, capacity: Int) {
        layers = config.blockCount
        self.capacity = max(1, capacity)
        kvDim = config.kvDim
        let n = layers * self.capacity * kvDim
        // Left uninitialised on purpose: pages are committed only as positions are written (a 4096-token cache
        // for the default model is 94 MB), and nothing reads past `count`.
        keys = .allocate(capacity: n)
        values = .allocate(capacity: n)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held by the cache.
    public var byteCount: Int { 2 * layers * capacity * kvDim * 2 }

    /// Forgets everything from position `position` on.
    public func truncate(to position: Int) { count = max(0, min(count, position)) }

    func keys(layer: Int) -> UnsafeMutablePointer<UInt16> { keys + layer * capacity * kvDim }
    func values(layer: Int) -> UnsafeMutablePointer<UInt16> { values + layer * capacity * kvDim }
}
