import Testing
import RooflineModel

/// The block pool under paged KV: allocation and freeing, reference counts, the prefix index (exact matches only,
/// even when hashes collide), least-recently-used eviction of unreferenced leaves, and copy-on-write.
@Suite struct KVBlockPoolTests {
    static let b = KVBlockPool.blockSize

    func pool(blocks: Int, hash: (@Sendable (ArraySlice<Int32>) -> UInt64)? = nil) -> KVBlockPool {
        KVBlockPool(layers: 2, kvHeads: 1, headDim: 16, blocks: blocks, prefixCaching: true, hash: hash)
    }

    /// Publishes `tokens` (whole blocks) as the chain `table`.
    func publish(_ p: KVBlockPool, _ table: inout [Int32], _ tokens: [Int32]) {
        tokens.withUnsafeBufferPointer { p.publish(table: &table, tokens: $0.baseAddress!, from: 0, to: table.count) }
    }

    func seq(_ start: Int32, blocks: Int) -> [Int32] { (0..<Int32(blocks * Self.b)).map { start + $0 } }

    @Test func allocatesUntilFullAndReusesWhatIsFreed() {
        let p = pool(blocks: 3)
        let ids = (0..<3).compactMap { _ in p.allocate() }
        #expect(Set(ids).count == 3)
        #expect(p.allocate() == nil, "every block is referenced")
        #expect(p.usage == KVBlockPool.Usage(total: 3, inUse: 3, cached: 0, free: 0))
        p.release(ids[1])
        #expect(p.allocate() == ids[1])
        p.retain(ids[0])
        p.release(ids[0])
        #expect(p.references(ids[0]) == 1, "a second reference keeps the block")
        for id in ids { p.release(id) }
        #expect(p.usage.free == 3 && p.usage.inUse == 0)
    }

    @Test func aPublishedChainIsFoundAndSharedExactly() {
        let p = pool(blocks: 8)
        var table = (0..<3).compactMap { _ in p.allocate() }
        let tokens = seq(100, blocks: 3)
        publish(p, &table, tokens)
        // A prompt sharing two blocks and then differing finds those two, retained for it.
        var other = tokens
        other[2 * Self.b + 5] = 7
        let m = p.match(other, maxBlocks: 3)
        #expect(m == Array(table.prefix(2)))
        #expect(p.references(table[0]) == 2 && p.references(table[2]) == 1)
        // One token different in the first block: nothing.
        var first = tokens
        first[3] = -1
        #expect(p.match(first, maxBlocks: 3).isEmpty)
        // The same blocks after another parent are not the same content.
        #expect(p.match(seq(100 + Int32(Self.b), blocks: 2), maxBlocks: 2).isEmpty)
        for id in m + table { p.release(id) }
        #expect(p.usage.cached == 3 && p.usage.inUse == 0, "released blocks stay cached")
        #expect(p.match(tokens, maxBlocks: 3).count == 3, "and are found again")
    }

    /// Every bucket collides: only equal tokens may match.
    @Test func hashCollisionsNeverShareDifferentTokens() {
        let p = pool(blocks: 8, hash: { _ in 42 })
        var a = [p.allocate()!], c = [p.allocate()!]
        let ta = seq(0, blocks: 1), tc = seq(1000, blocks: 1)
        publish(p, &a, ta)
        publish(p, &c, tc)
        #expect(a != c, "different tokens stay different blocks")
        #expect(p.match(ta, maxBlocks: 1) == a)
        #expect(p.match(tc, maxBlocks: 1) == c)
        #expect(p.match(seq(5, blocks: 1), maxBlocks: 1).isEmpty)
    }

    /// Equal content published by two sequences collapses onto the first copy.
    @Test func duplicatesAreMerged() {
        let p = pool(blocks: 8)
        var a = (0..<2).compactMap { _ in p.allocate() }, c = (0..<2).compactMap { _ in p.allocate() }
        let t = seq(9, blocks: 2)
        publish(p, &a, t)
        let before = c
        publish(p, &c, t)
        #expect(c == a)
        #expect(p.references(a[0]) == 2 && p.references(before[0]) == 0)
        #expect(p.usage.free == 8 - 2, "the duplicates went back")
    }

    /// When no block is free, the least recently used cached leaf is taken; referenced blocks and blocks with
    /// cached children stay.
    @Test func evictsTheLeastRecentlyUsedLeaf() {
        let p = pool(blocks: 4)
        var old = (0..<2).compactMap { _ in p.allocate() }
        publish(p, &old, seq(0, blocks: 2))
        var recent = [p.allocate()!]
        publish(p, &recent, seq(500, blocks: 1))
        for id in old + recent { p.release(id) }
        _ = p.match(seq(500, blocks: 1), maxBlocks: 1).map { p.release($0) }  // touch `recent`
        let held = p.allocate()!  // the free one
        #expect(!(old + recent).contains(held))
        let evicted = p.allocate()!
        #expect(evicted == old[1], "the older chain's leaf goes first, not its parent")
        #expect(p.match(seq(0, blocks: 2), maxBlocks: 2) == [old[0]])
        p.release(old[0])  // just used: now more recent than `recent`
        #expect(p.allocate() == recent[0])
        #expect(p.allocate() == old[0], "then the parent, a leaf now")
        #expect(p.allocate() == nil)
        #expect(p.usage.evictions == 3)
    }

    /// A cache writing into a shared or indexed block gets a copy (same content), or the block itself when it is
    /// the only holder of an unshared leaf (then taken out of the index).
    @Test func copyOnWrite() {
        let p = pool(blocks: 4)
        var t = [p.allocate()!]
        publish(p, &t, seq(0, blocks: 1))
        let shared = p.match(seq(0, blocks: 1), maxBlocks: 1)
        #expect(shared == t)
        let copy = p.makeWritable(shared[0])!
        #expect(copy != t[0] && p.references(t[0]) == 1 && p.usage.copies == 1)
        #expect(p.match(seq(0, blocks: 1), maxBlocks: 1) == t, "the original stays indexed")
        p.release(t[0])
        // Sole holder of a leaf: written in place, and no longer found.
        #expect(p.makeWritable(t[0]) == t[0])
        #expect(p.match(seq(0, blocks: 1), maxBlocks: 1).isEmpty)
        p.release(t[0])
        p.release(copy)
        #expect(p.usage.inUse == 0)
    }
}
