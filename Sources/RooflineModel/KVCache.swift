import CRooflineKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The key/value cache of one sequence: a block table over a `KVBlockPool` (F16 keys and values, like
/// llama.cpp's default cache type). Block b of the table holds positions `b·32 ..< (b+1)·32`; inside a block each
/// KV head's positions are contiguous, so decode attention, which reads one head's keys and values over all
/// positions, streams 4 KiB runs (head width 64) and reaches the next through the table (llama.cpp interleaves the
/// heads of a position; the values are the same, only their order in memory differs).
///
/// A cache made alone (`init(config:capacity:)`) owns a pool just large enough for its capacity; caches of a
/// server share one pool, and with prefix caching they publish their full blocks for later sequences
/// (`publish`) and start from the longest cached prefix of a prompt (`adoptPrefix`).
public final class KVCache: @unchecked Sendable {
    public let pool: KVBlockPool
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count: Int = 0
    /// Block ids, in position order (`blocks.count` blocks allocated).
    public private(set) var blocks: [Int32] = []
    /// The kernel's view of `blocks`: each block's first element (allocated once for the capacity).
    let table: UnsafeMutablePointer<UnsafePointer<UInt16>?>
    /// The token at each position (what `publish` keys blocks by).
    let tokens: UnsafeMutablePointer<Int32>
    /// Full blocks already in the pool's prefix index.
    private var published = 0
    private let ownsPool: Bool

    /// Bytes of keys and values a cache of `capacity` positions reserves for `config` (whole blocks).
    public static func bytes(config: ModelConfig, capacity: Int, kvType: KVType = .f16) -> Int {
        KVBlockPool.blocks(forPositions: max(1, capacity)) &* KVBlockPool.blockBytes(config: config, kvType: kvType)
    }

    /// A cache with its own pool of `capacity` positions.
    public convenience init(config: ModelConfig, capacity: Int, kvType: KVType = .f16) {
        self.init(pool: KVBlockPool(config: config, blocks: KVBlockPool.blocks(forPositions: max(1, capacity)), kvType: kvType),
                  capacity: capacity, ownsPool: true)
    }

    /// A cache of up to `capacity` positions drawing blocks from `pool`.
    public convenience init(pool: KVBlockPool, capacity: Int) {
        self.init(pool: pool, capacity: capacity, ownsPool: false)
    }

    private init(pool: KVBlockPool, capacity: Int, ownsPool: Bool) {
        self.pool = pool
        self.ownsPool = ownsPool
        self.capacity = max(1, capacity)
        let n = KVBlockPool.blocks(forPositions: self.capacity)
        table = .allocate(capacity: n)
        table.initialize(repeating: nil, count: n)
        tokens = .allocate(capacity: self.capacity)
        tokens.initialize(repeating: 0, count: self.capacity)
        blocks.reserveCapacity(n)
    }

    deinit {
        for id in blocks { pool.release(id) }
        table.deallocate()
        tokens.deallocate()
    }

    /// Forgets every position and gives its blocks back (a cache with its own pool also returns their memory to
    /// the system; a shared pool keeps published blocks cached).
    public func reset() {
        truncate(to: 0)
        if ownsPool { pool.discardFreePages() }
    }

    /// Forgets everything from position `position` on; blocks wholly past it go back to the pool.
    public func truncate(to position: Int) {
        count = max(0, min(count, position))
        let keep = KVBlockPool.blocks(forPositions: count)
        while blocks.count > keep {
            pool.release(blocks.removeLast())
            table[blocks.count] = nil
        }
        published = min(published, count >> KVBlockPool.blockShift)
    }

    /// Makes room for positions up to `end` (exclusive): blocks allocated, and the ones from `count` on made
    /// writable (a block shared with another cache or in the prefix index is copied first). False when the
    /// pool has no block left (the cache keeps what it had).
    public func reserve(upTo end: Int) -> Bool {
        guard end <= capacity else { return false }
        let firstWritten = count >> KVBlockPool.blockShift
        for b in firstWritten..<min(blocks.count, KVBlockPool.blocks(forPositions: end)) {
            guard let id = pool.makeWritable(blocks[b]) else { return false }
            if id != blocks[b] { setBlock(b, id) }
            published = min(published, b)
        }
        while blocks.count < KVBlockPool.blocks(forPositions: end) {
            guard let id = pool.allocate() else { return false }
            blocks.append(id)
            table[blocks.count - 1] = UnsafePointer(pool.pointer(id))
        }
        return true
    }

    private func setBlock(_ b: Int, _ id: Int32) {
        blocks[b] = id
        table[b] = UnsafePointer(pool.pointer(id))
    }

    /// Starts an empty cache from the longest cached prefix of `prompt` in the pool, whole blocks of at most
    /// `limit` positions. Returns the positions taken (0 without prefix caching or a match).
    public func adoptPrefix(of prompt: [Int32], limit: Int) -> Int {
        guard count == 0, blocks.isEmpty else { return 0 }
        let chain = pool.match(prompt, maxBlocks: min(limit, capacity) >> KVBlockPool.blockShift)
        for id in chain {
            blocks.append(id)
            table[blocks.count - 1] = UnsafePointer(pool.pointer(id))
        }
        count = chain.count << KVBlockPool.blockShift
        for i in 0..<count { tokens[i] = prompt[i] }
        published = chain.count
        return count
    }

    /// Adds the cache's full blocks to the pool's prefix index (a no-op without prefix caching). A block whose
    /// content is already cached is swapped for the cached copy.
    public func publish() {
        let full = count >> KVBlockPool.blockShift
        guard pool.prefixCaching, full > published else { return }
        var ids = blocks
        pool.publish(table: &ids, tokens: tokens, from: published, to: full)
        for b in published..<full where ids[b] != blocks[b] { setBlock(b, ids[b]) }
        published = full
    }

    /// Records the tokens of positions `start..<start + n` (the forward pass, after it stored their keys).
    func record(_ t: UnsafeBufferPointer<Int32>, at start: Int) {
        for (i, x) in t.enumerated() where start + i < capacity { tokens[start + i] = x }
    }

    /// Stores one position's keys and values of `layer` (`kvDim` floats each, heads side by side), converted
    /// by `convert` (the kernel path's converter to the pool's type). The position's block must be reserved.
    func store(layer: Int, position: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, convert: rf_quantize_fn) {
        let hd = pool.headDim
        let block = UnsafeMutablePointer(mutating: table[position >> KVBlockPool.blockShift]!)
        let base = layer * pool.layerStride + (position & (KVBlockPool.blockSize - 1)) * pool.rowElements
        for h in 0..<pool.headCountKV {
            let at = base + h * pool.headStride
            convert(k + h * hd, block + at, Int64(hd))
            convert(v + h * hd, block + pool.valueOffset + at, Int64(hd))
        }
    }

    /// This cache as the attention kernel reads it, for `queries` new rows at `firstPosition` (q and out:
    /// the rows' queries and attention outputs, `[queries][heads × headDim]`).
    func attentionSegment(q: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, queries: Int, firstPosition: Int) -> rf_attn_segment {
        rf_attn_segment(q: q, out: out, k: nil, v: nil, layer_stride: Int64(pool.layerStride), head_stride: Int64(pool.headStride),
                        pos_stride: Int32(pool.rowElements), n_q: Int32(queries), pos0: Int32(firstPosition),
                        blocks: UnsafePointer(table), block_shift: Int32(KVBlockPool.blockShift), v_offset: Int64(pool.valueOffset),
                        kv_type: pool.kvType == .q8_0 ? Int32(RF_Q8_0) : Int32(RF_F16))
    }
}
