/// A vocabulary prepared for grammar masks: the tokens' bytes in sorted order with the length of the prefix
/// each shares with the one before, so one pass over the sorted tokens walks the token trie, advancing the
/// grammar once per trie node and skipping every token under a prefix the grammar refuses. Built once per model
/// and shared.
public final class GrammarVocabulary: Sendable {
    public let pieces: [[UInt8]]
    let order: [Int32]
    let shared: [Int32]  // shared[k]: bytes token order[k] shares with order[k - 1]
    /// The sorted tokens' bytes end to end: token order[k] is bytes[offsets[k]..<offsets[k + 1]] (one buffer for
    /// the mask walk, no per-token array).
    let bytes: [UInt8]
    let offsets: [Int32]
    /// The longest token's bytes.
    let longest: Int
    /// End-of-generation tokens: allowed exactly where the grammar's text is complete.
    public let endOfGeneration: Set<Int32>

    /// `pieces[id]`: the bytes token id stands for (empty for control tokens, which a grammar never allows).
    public init(pieces: [[UInt8]], endOfGeneration: Set<Int32>) {
        self.pieces = pieces
        self.endOfGeneration = endOfGeneration
        let order = pieces.indices.filter { !pieces[$0].isEmpty }.sorted { pieces[$0].lexicographicallyPrecedes(pieces[$1]) }.map(Int32.init)
        var shared = [Int32](repeating: 0, count: order.count)
        for k in order.indices.dropFirst() {
            let a = pieces[Int(order[k - 1])], b = pieces[Int(order[k])]
            var n = 0
            while n < a.count, n < b.count, a[n] == b[n] { n += 1 }
            shared[k] = Int32(n)
        }
        self.order = order
        self.shared = shared
        var bytes: [UInt8] = [], offsets: [Int32] = [0]
        offsets.reserveCapacity(order.count + 1)
        for id in order {
            bytes.append(contentsOf: pieces[Int(id)])
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
        longest = pieces.reduce(0) { max($0, $1.count) }
    }
}

/// One sequence's grammar constraint: which tokens may come next, and the state after each chosen token.
/// Masks are cached per grammar state (a JSON string's inside, say, is one state however long the string).
public final class TokenConstraint {
    public let matcher: GrammarMatcher
    public let vocabulary: GrammarVocabulary
    public private(set) var cursor: GrammarCursor
    private var masks: [GrammarCursor: [UInt64]] = [:]
    public static let maxCachedMasks = 256

    public init(grammar: Grammar, vocabulary: GrammarVocabulary) {
        matcher = GrammarMatcher(grammar)
        self.vocabulary = vocabulary
        cursor = GrammarCursor(state: matcher.start)
    }

    /// Whether the text so far is complete (end-of-generation allowed).
    public var isComplete: Bool { cursor.isAccepting(matcher) }

    /// Whether nothing can follow: complete, and no token continues it.
    public var isFinished: Bool { isComplete && mask().allSatisfy { $0 == 0 } }

    /// The cursor after `token` from the present one (dead when not allowed). End-of-generation tokens keep it.
    public func after(_ token: Int32) -> GrammarCursor {
        if vocabulary.endOfGeneration.contains(token) { return isComplete ? cursor : GrammarCursor(state: 0) }
        guard token >= 0, Int(token) < vocabulary.pieces.count else { return GrammarCursor(state: 0) }
        let bytes = vocabulary.pieces[Int(token)]
        guard !bytes.isEmpty else { return GrammarCursor(state: 0) }
        var c = cursor
        for b in bytes where !c.feed(b, matcher) { return c }
        return c
    }

    /// Whether `token` may come next.
    public func allows(_ token: Int32) -> Bool { !after(token).isDead }

    /// Moves past `token` (which must be allowed).
    public func accept(_ token: Int32) {
        if vocabulary.endOfGeneration.contains(token) { return }
        cursor = after(token)
    }

    /// Bit t set when token t may come next (end-of-generation tokens when the text is complete).
    public func mask() -> [UInt64] {
        if let m = masks[cursor] { return m }
        let v = vocabulary
        var bits = [UInt64](repeating: 0, count: (v.pieces.count + 63) / 64)
        // path[d]: cursor after the first d bytes of the current token
        let path = UnsafeMutablePointer<GrammarCursor>.allocate(capacity: v.longest + 1)
        defer { path.deallocate() }
        path[0] = cursor
        var depth = 0  // valid entries of path past the first
        let n = v.order.count
        let m = matcher
        v.bytes.withUnsafeBufferPointer { bytes in
        v.offsets.withUnsafeBufferPointer { offsets in
        v.shared.withUnsafeBufferPointer { shared in
        v.order.withUnsafeBufferPointer { order in
        bits.withUnsafeMutableBufferPointer { bits in
            var k = 0
            while k < n {
                let start = Int(offsets[k]), count = Int(offsets[k + 1]) - start
                var d = min(Int(shared[k]), depth)
                var dead = false
                while d < count {
                    var c = path[d]
                    if !c.feed(bytes[start + d], m) { dead = true; break }
                    d += 1
                    path[d] = c
                }
                if !dead {
                    depth = d
                    let id = Int(order[k])
                    bits[id >> 6] |= 1 << UInt64(id & 63)
                    k += 1
                    continue
                }
                depth = d
                // Every following token that shares these d + 1 bytes is refused too.
                let refused = d + 1
                k += 1
                while k < n, Int(shared[k]) >= refused { k += 1 }
            }
        }
        }
        }
        }
        }
        if isComplete { for t in v.endOfGeneration where Int(t) < v.pieces.count { bits[Int(t) >> 6] |= 1 << UInt64(Int(t) & 63) } }
        if masks.count >= Self.maxCachedMasks { masks.removeAll(keepingCapacity: true) }
        masks[cursor] = bits
        return bits
    }

    /// Sets the logits of every token not allowed next to -inf.
    public func apply(to logits: UnsafeMutableBufferPointer<Float>) {
        let m = mask()
        for i in 0..<logits.count where (i >> 6) >= m.count || m[i >> 6] & (1 << UInt64(i & 63)) == 0 { logits[i] = -.infinity }
    }
}
