import CRooflineKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The key/value cache of one sequence, F16 like llama.cpp's default cache type, allocated once.
/// Layout: keys `(layers, kvHeads, capacity, headDim)`, values likewise: each KV head's positions are contiguous,
/// so decode attention, which reads one head's keys and values over all positions, streams them (llama.cpp
/// interleaves the heads of a position; the values are the same, only their order in memory differs).
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let capacity: Int
    public let kvDim: Int
    let headCountKV: Int
    let headDim: Int
    /// Positions filled so far.
    public internal(set) var count: Int = 0
    let keys: UnsafeMutablePointer<UInt16>    // (layers, kvHeads, capacity, headDim)
    let values: UnsafeMutablePointer<UInt16>  // (layers, kvHeads, capacity, headDim)

    /// Bytes of F16 keys and values a cache of `capacity` positions reserves for `config`.
    public static func bytes(config: LlamaConfig, capacity: Int) -> Int {
        config.blockCount &* max(1, capacity) &* config.kvDim &* 2 &* MemoryLayout<UInt16>.stride
    }

    public init(config: LlamaConfig, capacity: Int) {
        layers = config.blockCount
        self.capacity = max(1, capacity)
        kvDim = config.kvDim
        headCountKV = config.headCountKV
        headDim = config.headDim
        let n = layers * self.capacity * kvDim
        // Anonymous mappings, left untouched on purpose: pages are committed only as positions are written (a
        // 4096-token cache for the default model is 94 MB), nothing reads past `count`, and `reset` gives the
        // written pages back to the system.
        mappedBytes = n * MemoryLayout<UInt16>.stride
        let k = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        let v = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let k, let v, k != MAP_FAILED, v != MAP_FAILED {
            keys = k.assumingMemoryBound(to: UInt16.self)
            values = v.assumingMemoryBound(to: UInt16.self)
            mapped = true
        } else {  // no address space left for a mapping: the heap (still committed lazily by the allocator)
            if let k, k != MAP_FAILED { munmap(k, mappedBytes) }
            if let v, v != MAP_FAILED { munmap(v, mappedBytes) }
            keys = .allocate(capacity: n)
            values = .allocate(capacity: n)
            mapped = false
        }
    }

    private let mappedBytes: Int
    private let mapped: Bool

    deinit {
        if mapped {
            munmap(keys, mappedBytes)
            munmap(values, mappedBytes)
        } else {
            keys.deallocate()
            values.deallocate()
        }
    }

    /// Forgets every position and returns the memory they used to the system (the cache stays usable).
    public func reset() {
        count = 0
        guard mapped else { return }
        _ = madvise(keys, mappedBytes, Int32(MADV_DONTNEED))
        _ = madvise(values, mappedBytes, Int32(MADV_DONTNEED))
    }

    /// Bytes of cache the filled positions use.
    public var usedBytes: Int { 2 * layers * count * kvDim * 2 }

    /// Bytes held by the cache.
    public var byteCount: Int { 2 * layers * capacity * kvDim * 2 }

    /// Forgets everything from position `position` on.
    public func truncate(to position: Int) { count = max(0, min(count, position)) }

    /// Stores one position's keys and values of `layer` (`kvDim` floats each, heads side by side), converted
    /// to F16 by `toF16` (the kernel path's converter).
    func store(layer: Int, position: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, toF16: rf_quantize_fn) {
        let hd = headDim, base = layer * capacity * kvDim + position * hd
        for h in 0..<headCountKV {
            let at = base + h * capacity * hd
            toF16(k + h * hd, keys + at, Int64(hd))
            toF16(v + h * hd, values + at, Int64(hd))
        }
    }

    /// This cache as the attention kernel reads it, for `queries` new rows at `firstPosition` (q and out:
    /// the rows' queries and attention outputs, `[queries][heads × headDim]`).
    func attentionSegment(q: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, queries: Int, firstPosition: Int) -> rf_attn_segment {
        let layerStride = Int64(capacity * kvDim), headStride = Int64(capacity * headDim), positionStride = Int32(headDim)
        return rf_attn_segment(q: q, out: out, k: keys, v: values, layer_stride: layerStride, head_stride: headStride,
                               pos_stride: positionStride, n_q: Int32(queries), pos0: Int32(firstPosition))
    }
}
