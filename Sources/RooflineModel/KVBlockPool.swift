import Foundation

/// The memory every KV cache of a model draws from: fixed-size blocks of `blockSize` positions (all layers' F16
/// keys and values of those positions), handed to sequences as they grow and given back when they shrink or end.
/// Memory is laid out by layer, then block (as vLLM's per-layer caches): one layer's blocks tile a contiguous
/// region, so the blocks a head reads spread over the caches' sets (with a block's layers side by side, the same
/// head's rows in every block would lie a multiple of 64 KiB apart and share a few L2 sets; docs/performance.md,
/// "Measurements behind the code"). A block is referenced by the caches whose block tables hold it (reference counts: a shared
/// prefix is held once however many sequences read it).
///
/// With prefix caching, full blocks are also indexed by their content: a block is keyed by its parent block (the
/// one holding the positions before it) and its own tokens, so a chain of blocks from the root is exactly a
/// token prefix (a radix tree at block granularity, as SGLang's RadixAttention, with vLLM's full-block sharing).
/// Keys are compared token by token, never by hash alone. A block in the index is immutable: a cache that must
/// write into one copies it first, or takes it out of the index when nothing else can reach it. Blocks no cache
/// references stay indexed (cached) until the pool needs room; then the least recently used leaf goes first.
///
/// Thread-safe (one lock, taken per block operation, never inside the forward pass's loops).
/// How keys and values are stored: F16 (llama.cpp's default) or Q8_0 (blocks of 32 values with an F16 scale,
/// 34 bytes: about half the memory and bandwidth; llama.cpp's `-ctk q8_0 -ctv q8_0`).
public enum KVType: String, Sendable, CaseIterable, CustomStringConvertible {
    case f16
    case q8_0

    public var description: String { rawValue }

    /// UInt16 units of one row of `headDim` values (nil: a width this type cannot hold).
    public func rowElements(headDim: Int) -> Int? {
        switch self {
        case .f16: headDim
        case .q8_0: headDim % 32 == 0 ? headDim / 32 * 17 : nil
        }
    }
}

public final class KVBlockPool: @unchecked Sendable {
    /// Positions per block (a power of two: the attention kernels find a position's block by shifting).
    public static let blockShift = 5
    public static let blockSize = 1 << blockShift

    public let blockCount: Int
    /// UInt16 elements of one block in one layer: keys `(kvHeads, blockSize, headDim)`, then values likewise.
    public let layerBlockElements: Int
    /// UInt16 elements of one block over all layers.
    public var blockElements: Int { layers * layerBlockElements }
    let layers: Int
    public let prefixCaching: Bool
    public let kvType: KVType
    /// UInt16 units per stored row of one head (`headDim` for F16).
    let rowElements: Int
    let layerStride: Int
    let headStride: Int
    let valueOffset: Int
    let headDim: Int
    let headCountKV: Int
    let base: UnsafeMutablePointer<UInt16>
    private let mappedBytes: Int
    private let mapped: Bool

    /// The reference count of block `id`.
    public func references(_ id: Int32) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return Int(refs[Int(id)])
    }

    /// Bytes of one block (all layers) for `config`.
    public static func blockBytes(config: ModelConfig, kvType: KVType = .f16) -> Int {
        let row = kvType.rowElements(headDim: config.headDim) ?? config.headDim
        return 2 &* config.blockCount &* config.headCountKV &* row &* blockSize &* MemoryLayout<UInt16>.stride
    }

    /// Blocks that hold `positions` positions.
    public static func blocks(forPositions positions: Int) -> Int { (max(0, positions) + blockSize - 1) >> blockShift }

    /// A pool of `blocks` blocks (at least one). The memory is an anonymous mapping: pages are committed only as
    /// positions are written.
    public convenience init(config: ModelConfig, blocks: Int, kvType: KVType = .f16, prefixCaching: Bool = false) {
        self.init(layers: config.blockCount, kvHeads: config.headCountKV, headDim: config.headDim, blocks: blocks, kvType: kvType,
                  prefixCaching: prefixCaching)
    }

    /// A pool for caches of `layers` layers of `kvHeads` KV heads of `headDim`. `hash` keys the prefix index's
    /// buckets (FNV-1a by default; contents are always compared in full).
    /// A Q8_0 pool needs `headDim` a multiple of 32 (callers check with `KVType.rowElements`; another width is
    /// stored as F16).
    public init(layers: Int, kvHeads: Int, headDim: Int, blocks: Int, kvType: KVType = .f16, prefixCaching: Bool = false,
                hash: (@Sendable (ArraySlice<Int32>) -> UInt64)? = nil) {
        blockCount = max(1, blocks)
        self.layers = max(1, layers)
        self.headDim = headDim
        headCountKV = kvHeads
        self.kvType = kvType.rowElements(headDim: headDim) == nil ? .f16 : kvType
        rowElements = self.kvType.rowElements(headDim: headDim)!
        headStride = Self.blockSize * rowElements
        valueOffset = kvHeads * headStride
        layerBlockElements = 2 * valueOffset
        layerStride = blockCount * layerBlockElements
        self.prefixCaching = prefixCaching
        self.hash = hash ?? Self.fnv1a
        let n = blockCount * self.layers * layerBlockElements
        mappedBytes = n * MemoryLayout<UInt16>.stride
        let p = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let p, p != MAP_FAILED {
            base = p.assumingMemoryBound(to: UInt16.self)
            mapped = true
        } else {  // no address space left for a mapping: the heap (still committed lazily by the allocator)
            base = .allocate(capacity: n)
            mapped = false
        }
        refs = Array(repeating: 0, count: blockCount)
        free = Array((0..<Int32(blockCount)).reversed())
    }

    deinit {
        if mapped { munmap(base, mappedBytes) } else { base.deallocate() }
    }

    /// The first element of block `id` in layer 0 (layer L's is `layerStride` × L elements on).
    @inline(__always) func pointer(_ id: Int32) -> UnsafeMutablePointer<UInt16> { base + Int(id) * layerBlockElements }

    // MARK: - Blocks and references (under `lock`)

    private let lock = NSLock()
    private var refs: [Int32]
    private var free: [Int32]

    /// A block for one cache (reference count 1): a free one, else the least recently used cached block no cache
    /// holds, taken out of the index. Nil when every block is referenced.
    public func allocate() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        return allocateLocked()
    }

    private func allocateLocked() -> Int32? {
        if let id = free.popLast() {
            refs[Int(id)] = 1
            return id
        }
        guard let victim = leastRecentlyUsedEvictable() else { return nil }
        unregisterLocked(victim)
        evictions += 1
        refs[Int(victim)] = 1
        return victim
    }

    public func retain(_ id: Int32) {
        lock.lock()
        refs[Int(id)] += 1
        lock.unlock()
    }

    /// Drops one reference; a block nothing references goes back to the free list, or stays cached while the
    /// index holds it.
    public func release(_ id: Int32) {
        lock.lock()
        releaseLocked(id)
        lock.unlock()
    }

    private func releaseLocked(_ id: Int32) {
        refs[Int(id)] -= 1
        precondition(refs[Int(id)] >= 0, "KV block \(id) released more often than retained")
        if refs[Int(id)] == 0 && nodes[id] == nil { free.append(id) }
    }

    /// Makes block `id` of a cache writable: itself when that cache is its only holder and no other cached block
    /// descends from it (taken out of the index: its content is about to change), else a fresh copy (the
    /// cache's reference moves to it). Nil when no block is available for the copy.
    public func makeWritable(_ id: Int32) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        let node = nodes[id]
        if refs[Int(id)] == 1 && (node == nil || node!.children == 0) {
            if node != nil { unregisterLocked(id) }
            return id
        }
        guard let copy = allocateLocked() else { return nil }
        for l in 0..<layers { (pointer(copy) + l * layerStride).update(from: pointer(id) + l * layerStride, count: layerBlockElements) }
        releaseLocked(id)
        copies += 1
        return copy
    }

    // MARK: - The prefix index (under `lock`)

    private struct Key: Hashable {
        let parent: Int32
        let hash: UInt64
    }

    private struct Node {
        let parent: Int32
        let key: Key
        let tokens: [Int32]
        var children = 0
        var lastUse: UInt64
    }

    private let hash: @Sendable (ArraySlice<Int32>) -> UInt64
    private var nodes: [Int32: Node] = [:]
    private var index: [Key: [Int32]] = [:]
    private var tick: UInt64 = 0
    private var evictions = 0
    private var copies = 0

    /// FNV-1a over the tokens' bytes.
    static func fnv1a(_ tokens: ArraySlice<Int32>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for t in tokens {
            var v = UInt32(bitPattern: t)
            for _ in 0..<4 {
                h = (h ^ UInt64(v & 0xff)) &* 0x100_0000_01b3
                v >>= 8
            }
        }
        return h
    }

    /// The cached block holding `tokens` after `parent` (-1: the start of a sequence), if any.
    private func findLocked(parent: Int32, tokens: ArraySlice<Int32>) -> Int32? {
        guard let ids = index[Key(parent: parent, hash: hash(tokens))] else { return nil }
        return ids.first { nodes[$0]!.tokens.elementsEqual(tokens) }
    }

    /// The longest chain of cached blocks that holds a prefix of `tokens`, at most `maxBlocks` blocks, each
    /// retained for the caller.
    public func match(_ tokens: [Int32], maxBlocks: Int) -> [Int32] {
        guard prefixCaching else { return [] }
        lock.lock()
        defer { lock.unlock() }
        var chain: [Int32] = []
        var parent: Int32 = -1
        tick += 1
        let n = min(maxBlocks, tokens.count >> Self.blockShift)
        while chain.count < n {
            let start = chain.count << Self.blockShift
            guard let id = findLocked(parent: parent, tokens: tokens[start..<start + Self.blockSize]) else { break }
            refs[Int(id)] += 1
            nodes[id]!.lastUse = tick
            chain.append(id)
            parent = id
        }
        return chain
    }

    /// Indexes the full blocks `table[from..<to]` of a cache whose positions hold `tokens` (the blocks before
    /// `from` are already indexed as `table[0..<from]`). A block whose content another cached block already holds
    /// is replaced in `table` by that one (the cache's reference moves to it): one copy of each prefix.
    public func publish(table: inout [Int32], tokens: UnsafePointer<Int32>, from: Int, to: Int) {
        guard prefixCaching, from < to else { return }
        lock.lock()
        defer { lock.unlock() }
        tick += 1
        var parent: Int32 = from == 0 ? -1 : table[from - 1]
        for i in from..<to {
            let id = table[i]
            let slice = Array(UnsafeBufferPointer(start: tokens + (i << Self.blockShift), count: Self.blockSize))[...]
            if let existing = findLocked(parent: parent, tokens: slice) {
                if existing != id {
                    refs[Int(existing)] += 1
                    releaseLocked(id)
                    table[i] = existing
                }
                nodes[existing]!.lastUse = tick
                parent = existing
                continue
            }
            if nodes[id] != nil { break }  // indexed under another parent: not this chain (cannot happen by construction)
            let key = Key(parent: parent, hash: hash(slice))
            nodes[id] = Node(parent: parent, key: key, tokens: Array(slice), lastUse: tick)
            index[key, default: []].append(id)
            if parent >= 0 { nodes[parent]!.children += 1 }
            parent = id
        }
    }

    private func unregisterLocked(_ id: Int32) {
        guard let node = nodes.removeValue(forKey: id) else { return }
        index[node.key]?.removeAll { $0 == id }
        if index[node.key]?.isEmpty == true { index[node.key] = nil }
        if node.parent >= 0 {
            nodes[node.parent]!.children -= 1
            // A cached parent that nothing references and that now has no children stays cached (evictable).
        }
    }

    /// The cached leaf that no cache references and was used longest ago.
    private func leastRecentlyUsedEvictable() -> Int32? {
        var best: Int32?
        var bestUse = UInt64.max
        for (id, node) in nodes where node.children == 0 && refs[Int(id)] == 0 && node.lastUse < bestUse {
            best = id
            bestUse = node.lastUse
        }
        return best
    }

    // MARK: - Accounting

    public struct Usage: Sendable, Equatable {
        public var total: Int
        /// Referenced by at least one cache.
        public var inUse: Int
        /// Referenced by none, kept for prefix reuse (evicted when room is needed).
        public var cached: Int
        public var free: Int
        /// Cached blocks reused for other content so far, and blocks copied before a write.
        public var evictions: Int
        public var copies: Int

        public init(total: Int, inUse: Int, cached: Int, free: Int, evictions: Int = 0, copies: Int = 0) {
            self.total = total
            self.inUse = inUse
            self.cached = cached
            self.free = free
            self.evictions = evictions
            self.copies = copies
        }
    }

    public var usage: Usage {
        lock.lock()
        defer { lock.unlock() }
        let cached = nodes.keys.reduce(0) { $0 + (refs[Int($1)] == 0 ? 1 : 0) }
        return Usage(total: blockCount, inUse: blockCount - free.count - cached, cached: cached, free: free.count,
                     evictions: evictions, copies: copies)
    }

    /// Blocks a new allocation could get: free ones and cached ones no cache references.
    public var available: Int {
        let u = usage
        return u.free + u.cached
    }

    /// Gives the pages of free blocks back to the system (their content is garbage anyway).
    public func discardFreePages() {
        guard mapped else { return }
        lock.lock()
        defer { lock.unlock() }
        let page = Int(getpagesize()), bytes = layerBlockElements * MemoryLayout<UInt16>.stride
        for id in free {
            for l in 0..<layers {
                // Whole pages inside the block only (a block need not start on a page).
                let start = Int(bitPattern: pointer(id) + l * layerStride)
                let first = (start + page - 1) / page * page, end = (start + bytes) / page * page
                if end > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, Int32(MADV_DONTNEED)) }
            }
        }
    }
}
